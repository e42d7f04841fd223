package dev.ephemera.token.jwt;

import com.google.crypto.tink.subtle.Ed25519Sign;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.util.Base64URL;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.EdECPrivateKey;
import java.security.interfaces.RSAPrivateCrtKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.ECPoint;
import java.security.spec.ECPublicKeySpec;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.RSAPublicKeySpec;
import java.util.Base64;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.bouncycastle.jce.ECNamedCurveTable;
import org.bouncycastle.jce.spec.ECNamedCurveParameterSpec;

/**
 * Private keys from PEM. A PKCS#8 {@code PRIVATE KEY} need not carry its public half (Java's own encoding does
 * not), so the public key is derived here; SEC1 {@code EC PRIVATE KEY} and PKCS#1 {@code RSA PRIVATE KEY} go to
 * Nimbus, which reads them with Bouncy Castle.
 */
final class PemKeys {

    private static final Pattern PKCS8 = Pattern.compile(
            "-----BEGIN PRIVATE KEY-----([A-Za-z0-9+/=\\s]+)-----END PRIVATE KEY-----");

    private PemKeys() {
    }

    static JWK parse(String pem) throws JOSEException {
        Matcher m = PKCS8.matcher(pem);
        if (!m.find()) {
            return JWK.parseFromPEMEncodedObjects(pem);
        }
        byte[] der = Base64.getMimeDecoder().decode(m.group(1));
        for (String algorithm : new String[] {"EC", "Ed25519", "RSA"}) {
            try {
                return fromPrivate(KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der)));
            } catch (GeneralSecurityException e) {
                // not this algorithm; try the next
            }
        }
        throw new JOSEException("unsupported PKCS#8 key");
    }

    private static JWK fromPrivate(PrivateKey key) throws GeneralSecurityException, JOSEException {
        return switch (key) {
            case ECPrivateKey ec -> {
                if (!Curve.P_256.equals(Curve.forECParameterSpec(ec.getParams()))) {
                    throw new JOSEException("only P-256 EC keys are supported");
                }
                ECNamedCurveParameterSpec p256 = ECNamedCurveTable.getParameterSpec("secp256r1");
                var q = p256.getG().multiply(ec.getS()).normalize();
                ECPublicKey pub = (ECPublicKey) KeyFactory.getInstance("EC").generatePublic(new ECPublicKeySpec(
                        new ECPoint(q.getAffineXCoord().toBigInteger(), q.getAffineYCoord().toBigInteger()),
                        ec.getParams()));
                yield new ECKey.Builder(Curve.P_256, pub).privateKey(ec).build();
            }
            case RSAPrivateCrtKey rsa -> new RSAKey.Builder((RSAPublicKey) KeyFactory.getInstance("RSA")
                    .generatePublic(new RSAPublicKeySpec(rsa.getModulus(), rsa.getPublicExponent())))
                    .privateKey(rsa).build();
            case EdECPrivateKey ed -> {
                byte[] seed = ed.getBytes().orElseThrow(() -> new JOSEException("Ed25519 key without seed"));
                byte[] x = Ed25519Sign.KeyPair.newKeyPairFromSeed(seed).getPublicKey();
                yield new OctetKeyPair.Builder(Curve.Ed25519, Base64URL.encode(x)).d(Base64URL.encode(seed)).build();
            }
            default -> throw new JOSEException("unsupported key " + key.getAlgorithm());
        };
    }
}

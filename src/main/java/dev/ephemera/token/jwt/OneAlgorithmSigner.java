package dev.ephemera.token.jwt;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.jca.JCAContext;
import com.nimbusds.jose.util.Base64URL;
import java.util.Set;

/**
 * A Nimbus signer for one JWS algorithm: it refuses any other, and leaves the signature itself to
 * {@link #sign(byte[])}.
 */
abstract class OneAlgorithmSigner implements JWSSigner {

    private final String curve;
    private final JWSAlgorithm algorithm;
    private final JCAContext jca = new JCAContext();

    OneAlgorithmSigner(String curve, JWSAlgorithm algorithm) {
        this.curve = curve;
        this.algorithm = algorithm;
    }

    /** The JWS signature of {@code signingInput}, in the encoding RFC 7518 gives for the algorithm. */
    abstract byte[] sign(byte[] signingInput) throws JOSEException;

    @Override
    public final Base64URL sign(JWSHeader header, byte[] signingInput) throws JOSEException {
        if (!algorithm.equals(header.getAlgorithm())) {
            throw new JOSEException(curve + " signs " + algorithm + " only, not " + header.getAlgorithm());
        }
        return Base64URL.encode(sign(signingInput));
    }

    @Override
    public final Set<JWSAlgorithm> supportedJWSAlgorithms() {
        return Set.of(algorithm);
    }

    @Override
    public final JCAContext getJCAContext() {
        return jca;
    }
}

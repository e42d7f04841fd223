package dev.ephemera.token.jwt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.Ed25519Signer;
import com.nimbusds.jose.crypto.Ed25519Verifier;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jose.jwk.gen.OctetKeyPairGenerator;
import com.nimbusds.jose.util.Base64URL;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class Ed25519FastSignerTest {

    private static final JWSHeader HEADER = new JWSHeader(JWSAlgorithm.EdDSA);

    /** Ed25519 is deterministic: the same key and input must give Nimbus's (Tink's) exact signature. */
    @ParameterizedTest
    @ValueSource(strings = {"", "a", "eyJhbGciOiJFZERTQSJ9.eyJqdGkiOiJ0b2tfMSJ9", "ünïcödé ✓"})
    void signsExactlyAsNimbusDoesAndVerifiesWithNimbus(String input) throws JOSEException {
        OctetKeyPair key = new OctetKeyPairGenerator(Curve.Ed25519).generate();
        byte[] bytes = input.getBytes(StandardCharsets.UTF_8);

        Base64URL fast = new Ed25519FastSigner(key).sign(HEADER, bytes);

        assertThat(fast).isEqualTo(new Ed25519Signer(key).sign(HEADER, bytes));
        assertThat(new Ed25519Verifier(key.toPublicJWK()).verify(HEADER, bytes, fast)).isTrue();
        assertThat(new Ed25519Verifier(new OctetKeyPairGenerator(Curve.Ed25519).generate().toPublicJWK())
                .verify(HEADER, bytes, fast)).as("another key's verifier refuses it").isFalse();
    }

    @Test
    void refusesOtherAlgorithmsAndPublicOnlyKeys() throws JOSEException {
        OctetKeyPair key = new OctetKeyPairGenerator(Curve.Ed25519).generate();
        assertThatThrownBy(() -> new Ed25519FastSigner(key).sign(new JWSHeader(JWSAlgorithm.ES256), new byte[1]))
                .isInstanceOf(JOSEException.class);
        assertThatThrownBy(() -> new Ed25519FastSigner(key.toPublicJWK())).isInstanceOf(JOSEException.class);
    }
}

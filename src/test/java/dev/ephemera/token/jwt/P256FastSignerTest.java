package dev.ephemera.token.jwt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.util.Base64URL;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class P256FastSignerTest {

    private static final JWSHeader HEADER = new JWSHeader(JWSAlgorithm.ES256);
    private static final HexFormat HEX = HexFormat.of();

    /** The key of RFC 6979 appendix A.2.5 (ECDSA, 256 bits, prime field). */
    private static final ECKey RFC_6979_KEY = new ECKey.Builder(Curve.P_256,
            Base64URL.encode(HEX.parseHex("60fed4ba255a9d31c961eb74c6356d68c049b8923b61fa6ce669622e60f29fb6")),
            Base64URL.encode(HEX.parseHex("7903fe1008b8bc99a41ae9e95628bc64f2f1b20c2d7e9f5177a3c294d4462299")))
            .d(Base64URL.encode(HEX.parseHex("c9afa9d845ba75166b5c215767b1d6934e50c3db36e89b127b8a622b120f6721")))
            .build();

    /** RFC 6979 A.2.5, "With SHA-256": the deterministic nonce fixes r and s, so they must match to the bit. */
    @ParameterizedTest
    @CsvSource({
        "sample, efd48b2aacb6a8fd1140dd9cd45e81d69d2c877b56aaf991c34d0ea84eaf3716,"
                + " f7cb1c942d657c41d436c7a1b6e29f65f3e900dbb9aff4064dc4ab2f843acda8",
        "test, f1abb023518351cd71d881567b1ea663ed3efcf6c5132b354f28d3b0b7d38367,"
                + " 019f4113742a2b14bd25926b49c649155f267e60d3814b4c0cc84250e46f0083"})
    void givesRfc6979sSignatures(String message, String r, String s) throws JOSEException {
        byte[] input = message.getBytes(StandardCharsets.US_ASCII);

        Base64URL signature = new P256FastSigner(RFC_6979_KEY).sign(HEADER, input);

        assertThat(HEX.formatHex(signature.decode())).isEqualTo(r + s);
        assertThat(new ECDSAVerifier(RFC_6979_KEY.toPublicJWK()).verify(HEADER, input, signature)).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "a", "eyJhbGciOiJFUzI1NiJ9.eyJqdGkiOiJ0b2tfMSJ9", "ünïcödé ✓"})
    void nimbusVerifiesItsSignaturesAndOnlyForItsKey(String input) throws JOSEException {
        ECKey key = new ECKeyGenerator(Curve.P_256).generate();
        byte[] bytes = input.getBytes(StandardCharsets.UTF_8);

        Base64URL signature = new P256FastSigner(key).sign(HEADER, bytes);

        assertThat(signature.decode()).hasSize(64);
        assertThat(new P256FastSigner(key).sign(HEADER, bytes)).as("deterministic").isEqualTo(signature);
        assertThat(new ECDSAVerifier(key.toPublicJWK()).verify(HEADER, bytes, signature)).isTrue();
        assertThat(new ECDSAVerifier(new ECKeyGenerator(Curve.P_256).generate().toPublicJWK())
                .verify(HEADER, bytes, signature)).as("another key's verifier refuses it").isFalse();
        byte[] altered = (input + "!").getBytes(StandardCharsets.UTF_8);
        assertThat(new ECDSAVerifier(key.toPublicJWK()).verify(HEADER, altered, signature))
                .as("another input's verification fails").isFalse();
    }

    @Test
    void refusesOtherAlgorithmsOtherCurvesAndPublicOnlyKeys() throws JOSEException {
        ECKey key = new ECKeyGenerator(Curve.P_256).generate();
        assertThatThrownBy(() -> new P256FastSigner(key).sign(new JWSHeader(JWSAlgorithm.ES384), new byte[1]))
                .isInstanceOf(JOSEException.class);
        assertThatThrownBy(() -> new P256FastSigner(key.toPublicJWK())).isInstanceOf(JOSEException.class);
        assertThatThrownBy(() -> new P256FastSigner(new ECKeyGenerator(Curve.P_384).generate()))
                .isInstanceOf(JOSEException.class);
    }
}

package dev.ephemera.token.jwt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.crypto.Ed25519Verifier;
import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.jwk.gen.OctetKeyPairGenerator;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.SignedJWT;
import dev.ephemera.support.Broker;
import dev.ephemera.support.TestRedis;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Configured signing keys: PEM and JWK files, the three algorithms, and rotation with the previous key. */
class SigningKeysTest {

    @TempDir
    Path dir;

    private static String pem(PrivateKey key) {
        return "-----BEGIN PRIVATE KEY-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(key.getEncoded())
                + "\n-----END PRIVATE KEY-----\n";
    }

    private Path write(String name, String content) throws Exception {
        Path file = dir.resolve(name);
        Files.writeString(file, content);
        return file;
    }

    /** Mints a JWT token on a broker with this signing config and verifies it with the key from the JWKS. */
    private static SignedJWT mintAndVerify(Map<String, Object> signing) throws Exception {
        try (Broker broker = Broker.inMemory(signing)) {
            String key = broker.createKey("write", "read");
            String jwt = broker.mint(key, Map.of("provider", "openai", "format", "jwt")).string("value");
            SignedJWT parsed = SignedJWT.parse(jwt);
            JWK published = JWKSet.parse(broker.get("/.well-known/jwks.json", null).body())
                    .getKeyByKeyId(parsed.getHeader().getKeyID());
            assertThat(published).isNotNull();
            assertThat(published.isPrivate()).isFalse();
            JWSVerifier verifier = switch (published) {
                case ECKey ec -> new ECDSAVerifier(ec);
                case RSAKey rsa -> new RSASSAVerifier(rsa);
                case OctetKeyPair okp -> new Ed25519Verifier(okp);
                default -> throw new AssertionError(published.getKeyType());
            };
            assertThat(parsed.verify(verifier)).isTrue();
            assertThat(broker.consume(key, jwt).status()).isEqualTo(200);
            return parsed;
        }
    }

    @Test
    void signsWithAnEcKeyFromAPemFile() throws Exception {
        ECKey ec = new ECKeyGenerator(Curve.P_256).generate();
        Path file = write("ec.pem", pem(ec.toPrivateKey()));
        SignedJWT jwt = mintAndVerify(Map.of("ephemera.tokens.signing.key-file", file.toString()));
        assertThat(jwt.getHeader().getAlgorithm()).isEqualTo(JWSAlgorithm.ES256);
        assertThat(jwt.getHeader().getKeyID()).isEqualTo(ec.computeThumbprint().toString());
    }

    @Test
    void signsWithEdDsaFromAPemFile() throws Exception {
        var pair = java.security.KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        Path file = write("ed.pem", pem(pair.getPrivate()));
        assertThat(mintAndVerify(Map.of("ephemera.tokens.signing.algorithm", "EdDSA",
                "ephemera.tokens.signing.key-file", file.toString())).getHeader().getAlgorithm())
                .isEqualTo(JWSAlgorithm.EdDSA);
    }

    @Test
    void signsWithEdDsaFromAJwkGivenInline() throws Exception {
        OctetKeyPair ed = new OctetKeyPairGenerator(Curve.Ed25519).keyID("ed-1").generate();
        SignedJWT jwt = mintAndVerify(Map.of("ephemera.tokens.signing.algorithm", "EdDSA",
                "ephemera.tokens.signing.key", ed.toJSONString()));
        assertThat(jwt.getHeader().getAlgorithm()).isEqualTo(JWSAlgorithm.EdDSA);
        assertThat(jwt.getHeader().getKeyID()).isEqualTo("ed-1");
    }

    @Test
    void signsWithRs256AndGeneratesDevKeysForEveryAlgorithm() throws Exception {
        RSAKey rsa = new RSAKeyGenerator(2048).generate();
        Path file = write("rsa.pem", pem(rsa.toPrivateKey()));
        assertThat(mintAndVerify(Map.of("ephemera.tokens.signing.algorithm", "RS256",
                "ephemera.tokens.signing.key-file", file.toString())).getHeader().getAlgorithm())
                .isEqualTo(JWSAlgorithm.RS256);
        for (String alg : new String[] {"ES256", "EdDSA", "RS256"}) {
            assertThat(mintAndVerify(Map.of("ephemera.tokens.signing.algorithm", alg)).getHeader().getAlgorithm()
                    .getName()).isEqualTo(alg);
        }
    }

    @Test
    void refusesAKeyThatDoesNotFitTheAlgorithm() throws Exception {
        RSAKey rsa = new RSAKeyGenerator(2048).generate();
        Path file = write("rsa.pem", pem(rsa.toPrivateKey()));
        assertThatThrownBy(() -> Broker.inMemory(Map.of("ephemera.tokens.signing.key-file", file.toString())))
                .hasStackTraceContaining("cannot sign ES256");
    }

    @Test
    void tokensSignedWithThePreviousKeyStillVerifyAfterARotation() throws Exception {
        ECKey oldKey = new ECKeyGenerator(Curve.P_256).keyID("old").generate();
        ECKey newKey = new ECKeyGenerator(Curve.P_256).keyID("new").generate();
        Path oldFile = write("old.json", oldKey.toJSONString());
        Path newFile = write("new.json", newKey.toJSONString());
        Map<String, Object> beforeConfig = Map.of("ephemera.tokens.signing.key-file", oldFile.toString(),
                "ephemera.issuer", "https://broker.example.com");
        Map<String, Object> afterConfig = Map.of("ephemera.tokens.signing.key-file", newFile.toString(),
                "ephemera.tokens.signing.previous-key-file", oldFile.toString(),
                "ephemera.issuer", "https://broker.example.com");
        try (Broker before = Broker.onRedis(TestRedis.uri(), beforeConfig);
                Broker after = Broker.onRedis(TestRedis.uri(), afterConfig)) {
            String key = before.createKey("write", "read");
            String jwt = before.mint(key, Map.of("provider", "openai", "format", "jwt")).string("value");
            JWKSet published = JWKSet.parse(after.get("/.well-known/jwks.json", null).body());
            assertThat(published.getKeys()).extracting(JWK::getKeyID).containsExactly("new", "old");
            assertThat(after.consume(key, jwt).status()).isEqualTo(200);
        }
    }
}

package dev.ephemera.token;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ephemera.secret.Secrets;
import dev.ephemera.token.jwt.JwtTokens;
import dev.ephemera.token.jwt.TestJwtTokens;
import dev.ephemera.url.TestBrokerUrls;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/**
 * The store key of a presented token: only a well-formed token of ours gets one, so garbage and forgeries cost no
 * lookup. Built per test class from its parts, without an application context.
 */
class TokenStrategyTest {

    private static final String ISSUER = "https://broker.example.com";
    private static final JwtTokens JWTS = TestJwtTokens.create("ES256");

    private final TokenStrategy strategy = new TokenStrategy(JWTS, TestBrokerUrls.of(ISSUER));

    private static String jwt(String issuer, String subject, String model) {
        Instant now = Instant.now();
        return JWTS.sign(new JwtTokens.Claims(issuer, subject, issuer, now, now.plusSeconds(60), "tok_1", "openai",
                model, null, "relay"));
    }

    @Test
    void aWellFormedOpaqueTokenIsKeyedByItsHash() {
        String token = TokenStrategy.OPAQUE.generate("");
        assertThat(strategy.read(token).hash()).hasValue(Secrets.sha256Hex(token));
    }

    @Test
    void aSignedJwtOfOursIsKeyedByItsHash() {
        String token = jwt(ISSUER, "user-1", "gpt");
        assertThat(strategy.read(token).hash()).hasValue(Secrets.sha256Hex(token));
    }

    @Test
    void garbageAndForgeriesGetNoKey() {
        String opaque = TokenStrategy.OPAQUE.generate("");
        String signed = jwt(ISSUER, "user-1", "gpt");
        assertThat(strategy.read(null).hash()).isEmpty();
        assertThat(strategy.read("").hash()).isEmpty();
        assertThat(strategy.read(opaque.substring(0, opaque.length() - 1)).hash()).as("checksum cut").isEmpty();
        assertThat(strategy.read(opaque + "x").hash()).isEmpty();
        assertThat(strategy.read(jwt("https://other.example.com", "user-1", "gpt")).hash()).as("another issuer")
                .isEmpty();
        assertThat(strategy.read(signed.substring(0, signed.length() - 2) + "AA").hash()).as("signature changed")
                .isEmpty();
        assertThat(strategy.read(signed + ".x").hash()).as("three dots").isEmpty();
        assertThat(strategy.read("eyJ.x.y").hash()).isEmpty();
        assertThat(strategy.read("not-a-token").hash()).isEmpty();
    }

    @Test
    void aTokenIsReadOnceAndItsStoredSessionConfigParsedOnce() {
        PresentedToken presented = strategy.read(TokenStrategy.OPAQUE.generate(""));
        String stored = "{\"model\":\"gpt\",\"audio\":{\"voice\":\"alloy\"}}";
        SessionConfig config = presented.config(stored);
        assertThat(presented.config(stored)).as("the look's config serves the use").isSameAs(config);
        assertThat(config.fields()).containsKeys("model", "audio");
        assertThatThrownBy(() -> config.fields().put("model", "other"))
                .isInstanceOf(UnsupportedOperationException.class);
        @SuppressWarnings("unchecked")
        java.util.Map<String, Object> audio = (java.util.Map<String, Object>) config.fields().get("audio");
        assertThatThrownBy(() -> audio.put("voice", "x"))
                .as("frozen all the way down").isInstanceOf(UnsupportedOperationException.class);
        assertThat(presented.config(null)).isNull();
    }

    @Test
    void aStoredSessionConfigThatIsNotOneJsonObjectIsAnErrorNotAnEmptyConfig() {
        assertThatThrownBy(() -> SessionConfig.parse("[1]")).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> SessionConfig.parse("{\"a\":1,\"a\":2}")).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void aJwtIsVerifiedUpTo8192CharactersAndNoLonger() {
        // A JWT of ours is never 8192 characters long (base64url skips that length for ES256, EdDSA and RS256 alike):
        // the lengths on either side of it.
        String longest = jwtOfLength(8191);
        assertThat(strategy.read(longest).hash()).hasValue(Secrets.sha256Hex(longest));
        assertThat(strategy.read(jwtOfLength(8193)).hash()).isEmpty();
    }

    /** A valid JWT of ours exactly {@code length} characters long. */
    private static String jwtOfLength(int length) {
        for (int model = 5800; model < 6000; model++) {
            String token = jwt(ISSUER, "u", "m".repeat(model));
            if (token.length() == length) {
                return token;
            }
        }
        throw new AssertionError("no JWT of " + length + " characters");
    }
}

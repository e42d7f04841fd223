package dev.ephemera.token;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ephemera.secret.Secrets;
import dev.ephemera.token.jwt.JwtTokens;
import dev.ephemera.token.jwt.TestJwtTokens;
import dev.ephemera.web.TestBrokerUrls;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/**
 * The store key of a presented token: only a well-formed token of ours gets one, so garbage and forgeries cost no
 * lookup. Built per test class from its parts, without an application context.
 */
class TokenHashesTest {

    private static final String ISSUER = "https://broker.example.com";
    private static final JwtTokens JWTS = TestJwtTokens.create("ES256");

    private final TokenHashes hashes = new TokenHashes(JWTS, TestBrokerUrls.of(ISSUER));

    private static String jwt(String issuer, String subject, String model) {
        Instant now = Instant.now();
        return JWTS.sign(new JwtTokens.Claims(issuer, subject, issuer, now, now.plusSeconds(60), "tok_1", "openai",
                model, null, "relay"));
    }

    @Test
    void aWellFormedOpaqueTokenIsKeyedByItsHash() {
        String token = TokenMinter.OPAQUE.generate("");
        assertThat(hashes.of(token)).hasValue(Secrets.sha256Hex(token));
    }

    @Test
    void aSignedJwtOfOursIsKeyedByItsHash() {
        String token = jwt(ISSUER, "user-1", "gpt");
        assertThat(hashes.of(token)).hasValue(Secrets.sha256Hex(token));
    }

    @Test
    void garbageAndForgeriesGetNoKey() {
        String opaque = TokenMinter.OPAQUE.generate("");
        String signed = jwt(ISSUER, "user-1", "gpt");
        assertThat(hashes.of(null)).isEmpty();
        assertThat(hashes.of("")).isEmpty();
        assertThat(hashes.of(opaque.substring(0, opaque.length() - 1))).as("checksum cut").isEmpty();
        assertThat(hashes.of(opaque + "x")).isEmpty();
        assertThat(hashes.of(jwt("https://other.example.com", "user-1", "gpt"))).as("another issuer").isEmpty();
        assertThat(hashes.of(signed.substring(0, signed.length() - 2) + "AA")).as("signature changed").isEmpty();
        assertThat(hashes.of(signed + ".x")).as("three dots").isEmpty();
        assertThat(hashes.of("eyJ.x.y")).isEmpty();
        assertThat(hashes.of("not-a-token")).isEmpty();
    }

    @Test
    void aJwtIsVerifiedUpTo8192CharactersAndNoLonger() {
        // A JWT of ours is never 8192 characters long (base64url skips that length for ES256, EdDSA and RS256 alike):
        // the lengths on either side of it.
        String longest = jwtOfLength(8191);
        assertThat(hashes.of(longest)).hasValue(Secrets.sha256Hex(longest));
        assertThat(hashes.of(jwtOfLength(8193))).isEmpty();
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

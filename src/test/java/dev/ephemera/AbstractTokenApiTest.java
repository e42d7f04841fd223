package dev.ephemera;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.JWSObject;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.ephemera.support.Broker;
import dev.ephemera.support.Broker.Reply;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Tokens over HTTP: mint, redeem, introspect, expire, revoke, JWT format (SPEC §4, §5), run against every store
 * (SPEC §2: one contract for both): {@link RedisApiTest} and {@link InMemoryApiTest}. Real HTTP through the
 * Micronaut client; time moved with the broker's injected clock.
 */
abstract class AbstractTokenApiTest extends ApiContract {

    @Test
    void mintsOpaqueTokenWithDefaults() {
        Reply r = mint(body("provider", "openai", "model", "gpt-realtime"));
        assertThat(r.status()).isEqualTo(201);
        assertThat(r.string("id")).matches("tok_[A-Za-z0-9]{24}");
        assertThat(r.string("value")).matches("eph_[A-Za-z0-9]{49}");
        assertThat(r.string("token_type")).isEqualTo("Bearer");
        assertThat(r.string("format")).isEqualTo("opaque");
        assertThat(r.number("expires_in")).isEqualTo(60);
        assertThat(r.number("max_uses")).isEqualTo(1);
        assertThat(r.number("expires_at") - System.currentTimeMillis() / 1000).isBetween(58L, 61L);
        assertThat(r.json().get("connect").toString()).contains("/v1/realtime?model=gpt-realtime");
        assertThat(r.headers().get("Cache-Control")).isEqualTo("no-store");
        assertThat(r.headers().get("X-Request-Id")).isNotBlank();
    }

    @Test
    void oneUseTokenIsConsumedOnceThenAnswersAlreadyUsed() {
        String token = mint(body("provider", "openai")).string("value");
        Reply first = broker.consume(writer, token);
        assertThat(first.status()).isEqualTo(200);
        assertThat(first.json()).containsEntry("active", true).containsEntry("uses_left", 0);
        Reply second = broker.consume(writer, token);
        assertThat(second.status()).isEqualTo(401);
        assertThat(second.code()).isEqualTo("token_already_used");
        assertThat(second.headers().get("WWW-Authenticate")).contains("realm=\"ephemera\"");
        assertThat(broker.introspect(reader, token).json()).isEqualTo(Map.of("active", false));
    }

    @Test
    void tokenWithThreeUsesIsConsumedExactlyThreeTimes() {
        String token = mint(body("provider", "openai", "max_uses", 3)).string("value");
        List<Integer> statuses = Stream.generate(() -> broker.consume(writer, token).status()).limit(5).toList();
        assertThat(statuses).containsExactly(200, 200, 200, 401, 401);
    }

    @Test
    void introspectionDoesNotConsumeAndAcceptsForms() {
        Reply minted = mint(body("provider", "anthropic", "subject", "user-7", "origin", "https://App.Example.com"));
        String token = minted.string("value");
        Reply form = broker.postForm("/v1/tokens/introspect", reader, "token=" + token);
        assertThat(form.status()).isEqualTo(200);
        assertThat(form.json()).containsEntry("active", true).containsEntry("sub", "user-7")
                .containsEntry("provider", "anthropic").containsEntry("origin", "https://app.example.com")
                .containsEntry("jti", minted.string("id")).containsEntry("uses_left", 1);
        assertThat(broker.introspect(reader, token).json()).containsEntry("uses_left", 1);
        assertThat(broker.consume(writer, token).status()).isEqualTo(200);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("inactiveTokens")
    void inactiveTokensAreAnsweredOnlyActiveFalse(String why, String token) {
        Reply r = broker.introspect(reader, token);
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.json()).isEqualTo(Map.of("active", false));
        Reply consumed = broker.consume(writer, token);
        assertThat(consumed.status()).isEqualTo(401);
        assertThat(consumed.code()).isEqualTo("invalid_token");
        assertThat(consumed.body()).doesNotContain(token);
    }

    static Stream<Arguments> inactiveTokens() {
        return Stream.of(
                Arguments.of("garbage", "not-a-token"),
                Arguments.of("bad checksum", "eph_" + "A".repeat(43) + "AAAAAA"),
                Arguments.of("well formed, unknown", dev.ephemera.token.TokenStrategy.OPAQUE.generate("")),
                Arguments.of("JWT not signed by us", "eyJhbGciOiJFUzI1NiJ9.eyJqdGkiOiJ4In0.c2ln"));
    }

    @Test
    void tokenIsRefusedFromTheMomentItExpires() throws Exception {
        try (AutoCloseable _ = broker.clock().freeze()) {
            String token = mint(body("provider", "openai", "ttl_seconds", 10)).string("value");
            broker.clock().advance(Duration.ofMillis(9_999));
            assertThat(broker.introspect(reader, token).json()).containsEntry("active", true);
            broker.clock().advance(Duration.ofMillis(1));
            assertThat(broker.introspect(reader, token).json()).isEqualTo(Map.of("active", false));
            Reply r = broker.consume(writer, token);
            assertThat(r.status()).isEqualTo(401);
            assertThat(r.code()).isEqualTo("expired_token");
        }
    }

    @Test
    void revokedTokenIsInvalidEverywhere() {
        String token = mint(body("provider", "openai", "max_uses", 5)).string("value");
        Reply revoke = broker.postForm("/v1/tokens/revoke", writer, "token=" + token + "&token_type_hint=x");
        assertThat(revoke.status()).isEqualTo(200);
        assertThat(broker.consume(writer, token).code()).isEqualTo("invalid_token");
        assertThat(broker.postJson("/v1/tokens/revoke", writer, Map.of("token", "whatever")).status())
                .as("RFC 7009: unknown tokens are answered 200 too").isEqualTo(200);
    }

    @Test
    void tokenIsRevokedByValueOnlyForTheKeyThatMintedItOrAnAdmin() {
        String token = mint(body("provider", "openai", "max_uses", 3)).string("value");
        String other = broker.createKey("read", "write");
        Reply foreign = broker.postForm("/v1/tokens/revoke", other, "token=" + token);
        assertThat(foreign.status()).as("RFC 7009: answered 200, so it tells nothing").isEqualTo(200);
        assertThat(broker.introspect(reader, token).json()).as("another key's revocation is not honoured")
                .containsEntry("active", true);
        assertThat(broker.postJson("/v1/tokens/revoke", Broker.ADMIN_KEY, Map.of("token", token)).status())
                .isEqualTo(200);
        assertThat(broker.introspect(reader, token).json()).isEqualTo(Map.of("active", false));
        String own = mint(body("provider", "openai")).string("value");
        assertThat(broker.postForm("/v1/tokens/revoke", writer, "token=" + own).status()).isEqualTo(200);
        assertThat(broker.introspect(reader, own).json()).isEqualTo(Map.of("active", false));
    }

    @Test
    void takingAUseNeedsWriteNotJustRead() {
        String token = mint(body("provider", "openai")).string("value");
        Reply refused = broker.consume(reader, token);
        assertThat(refused.status()).isEqualTo(403);
        assertThat(refused.code()).isEqualTo("insufficient_permissions");
        assertThat(broker.introspect(reader, token).json()).as("the refusal cost no use")
                .containsEntry("uses_left", 1);
        assertThat(broker.consume(writer, token).status()).isEqualTo(200);
    }

    @Test
    void tokenIsRevokedByItsHandleOnlyByTheKeyThatMintedIt() {
        Reply minted = mint(body("provider", "openai"));
        String other = broker.createKey("write", "read");
        assertThat(broker.delete("/v1/tokens/" + minted.string("id"), other).code()).isEqualTo("not_found");
        assertThat(broker.delete("/v1/tokens/" + minted.string("id"), writer).status()).isEqualTo(204);
        assertThat(broker.consume(writer, minted.string("value")).code()).isEqualTo("invalid_token");
        assertThat(broker.delete("/v1/tokens/" + minted.string("id"), writer).code()).isEqualTo("not_found");
        assertThat(broker.delete("/v1/tokens/nonsense", writer).code()).isEqualTo("invalid_request");
    }

    @Test
    void jwtTokenIsSignedAsSpecifiedAndVerifiesThroughTheJwks() throws Exception {
        Reply minted = mint(body("provider", "openai", "model", "gpt-realtime", "format", "jwt",
                "subject", "user-1", "origin", "https://app.example.com"));
        SignedJWT jwt = SignedJWT.parse(minted.string("value"));
        JWKSet jwks = JWKSet.parse(broker.get("/.well-known/jwks.json", null).body());
        ECKey key = (ECKey) jwks.getKeyByKeyId(jwt.getHeader().getKeyID());
        assertThat(key).isNotNull();
        assertThat(key.isPrivate()).isFalse();
        assertThat(jwt.verify(new ECDSAVerifier(key))).isTrue();
        assertThat(jwt.getHeader().getType().getType()).isEqualTo("eph+jwt");
        assertThat(jwt.getHeader().getAlgorithm().getName()).isEqualTo("ES256");
        JWTClaimsSet claims = jwt.getJWTClaimsSet();
        assertThat(claims.getJWTID()).isEqualTo(minted.string("id"));
        assertThat(claims.getSubject()).isEqualTo("user-1");
        assertThat(claims.getIssuer()).isEqualTo(broker.url());
        assertThat(claims.getAudience()).isNotEmpty();
        assertThat(claims.getExpirationTime().getTime() / 1000).isEqualTo(minted.number("expires_at"));
        assertThat(claims.getIssueTime()).isNotNull();
        assertThat(claims.getClaims()).containsEntry("provider", "openai").containsEntry("model", "gpt-realtime")
                .containsEntry("origin", "https://app.example.com").containsKey("scope");
        assertThat(broker.consume(writer, minted.string("value")).status()).isEqualTo(200);
        assertThat(broker.consume(writer, minted.string("value")).code()).isEqualTo("token_already_used");
    }

    @Test
    void jwtTokenWithAlteredClaimsIsInvalid() throws Exception {
        String jwt = mint(body("provider", "openai", "format", "jwt", "max_uses", 2)).string("value");
        JWSObject parsed = JWSObject.parse(jwt);
        String[] parts = jwt.split("\\.");
        String forgedPayload = java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(
                parsed.getPayload().toString().replace("openai", "mistral").getBytes());
        String forged = parts[0] + "." + forgedPayload + "." + parts[2];
        assertThat(broker.consume(writer, forged).code()).isEqualTo("invalid_token");
        String unsigned = parts[0].replace(parts[0], java.util.Base64.getUrlEncoder().withoutPadding()
                .encodeToString("{\"alg\":\"none\",\"typ\":\"eph+jwt\"}".getBytes())) + "." + parts[1] + ".";
        assertThat(broker.consume(writer, unsigned).code()).isEqualTo("invalid_token");
        assertThat(broker.consume(writer, jwt).status()).isEqualTo(200);
    }
}

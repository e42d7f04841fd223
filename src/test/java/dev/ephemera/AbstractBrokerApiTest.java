package dev.ephemera;

import static org.awaitility.Awaitility.await;
import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.JWSObject;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.ephemera.support.Broker;
import dev.ephemera.support.Broker.Reply;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.MediaType;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The broker's HTTP contract (SPEC §3–§6), run against every store: each subclass starts the broker on its
 * store. Real HTTP through the Micronaut client; time moved with the broker's injected clock.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class AbstractBrokerApiTest {

    protected Broker broker;
    private String writer;
    private String reader;

    /** Starts the broker under test. */
    protected abstract Broker start();

    @BeforeAll
    void startBroker() {
        broker = start();
        writer = broker.createKey("read", "write");
        reader = broker.createKey("read");
    }

    @AfterAll
    void stopBroker() {
        broker.close();
    }

    private Reply mint(Map<String, Object> body) {
        return broker.mint(writer, body);
    }

    private static Map<String, Object> body(Object... kv) {
        Map<String, Object> m = new HashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put((String) kv[i], kv[i + 1]);
        }
        return m;
    }

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
        Reply first = broker.consume(reader, token);
        assertThat(first.status()).isEqualTo(200);
        assertThat(first.json()).containsEntry("active", true).containsEntry("uses_left", 0);
        Reply second = broker.consume(reader, token);
        assertThat(second.status()).isEqualTo(401);
        assertThat(second.code()).isEqualTo("token_already_used");
        assertThat(second.headers().get("WWW-Authenticate")).contains("realm=\"ephemera\"");
        assertThat(broker.introspect(reader, token).json()).isEqualTo(Map.of("active", false));
    }

    @Test
    void tokenWithThreeUsesIsConsumedExactlyThreeTimes() {
        String token = mint(body("provider", "openai", "max_uses", 3)).string("value");
        List<Integer> statuses = Stream.generate(() -> broker.consume(reader, token).status()).limit(5).toList();
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
        assertThat(broker.consume(reader, token).status()).isEqualTo(200);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("inactiveTokens")
    void inactiveTokensAreAnsweredOnlyActiveFalse(String why, String token) {
        Reply r = broker.introspect(reader, token);
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.json()).isEqualTo(Map.of("active", false));
        Reply consumed = broker.consume(reader, token);
        assertThat(consumed.status()).isEqualTo(401);
        assertThat(consumed.code()).isEqualTo("invalid_token");
        assertThat(consumed.body()).doesNotContain(token);
    }

    static Stream<Arguments> inactiveTokens() {
        return Stream.of(
                Arguments.of("garbage", "not-a-token"),
                Arguments.of("bad checksum", "eph_" + "A".repeat(43) + "AAAAAA"),
                Arguments.of("well formed, unknown", dev.ephemera.token.TokenService.OPAQUE.generate("")),
                Arguments.of("JWT not signed by us", "eyJhbGciOiJFUzI1NiJ9.eyJqdGkiOiJ4In0.c2ln"));
    }

    @Test
    void tokenIsRefusedFromTheMomentItExpires() {
        String token = mint(body("provider", "openai", "ttl_seconds", 10)).string("value");
        broker.clock().advance(Duration.ofMillis(9_000));
        try {
            assertThat(broker.introspect(reader, token).json()).containsEntry("active", true);
            broker.clock().advance(Duration.ofMillis(1_100));
            assertThat(broker.introspect(reader, token).json()).isEqualTo(Map.of("active", false));
            Reply r = broker.consume(reader, token);
            assertThat(r.status()).isEqualTo(401);
            assertThat(r.code()).isEqualTo("expired_token");
        } finally {
            broker.clock().advance(Duration.ofMillis(-10_100));
        }
    }

    @Test
    void revokedTokenIsInvalidEverywhere() {
        String token = mint(body("provider", "openai", "max_uses", 5)).string("value");
        Reply revoke = broker.postForm("/v1/tokens/revoke", writer, "token=" + token + "&token_type_hint=x");
        assertThat(revoke.status()).isEqualTo(200);
        assertThat(broker.consume(reader, token).code()).isEqualTo("invalid_token");
        assertThat(broker.postJson("/v1/tokens/revoke", writer, Map.of("token", "whatever")).status())
                .as("RFC 7009: unknown tokens are answered 200 too").isEqualTo(200);
    }

    @Test
    void tokenIsRevokedByItsHandleOnlyByTheKeyThatMintedIt() {
        Reply minted = mint(body("provider", "openai"));
        String other = broker.createKey("write", "read");
        assertThat(broker.delete("/v1/tokens/" + minted.string("id"), other).code()).isEqualTo("not_found");
        assertThat(broker.delete("/v1/tokens/" + minted.string("id"), writer).status()).isEqualTo(204);
        assertThat(broker.consume(reader, minted.string("value")).code()).isEqualTo("invalid_token");
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
        assertThat(broker.consume(reader, minted.string("value")).status()).isEqualTo(200);
        assertThat(broker.consume(reader, minted.string("value")).code()).isEqualTo("token_already_used");
    }

    @Test
    void jwtTokenWithAlteredClaimsIsInvalid() throws Exception {
        String jwt = mint(body("provider", "openai", "format", "jwt", "max_uses", 2)).string("value");
        JWSObject parsed = JWSObject.parse(jwt);
        String[] parts = jwt.split("\\.");
        String forgedPayload = java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(
                parsed.getPayload().toString().replace("openai", "mistral").getBytes());
        String forged = parts[0] + "." + forgedPayload + "." + parts[2];
        assertThat(broker.consume(reader, forged).code()).isEqualTo("invalid_token");
        String unsigned = parts[0].replace(parts[0], java.util.Base64.getUrlEncoder().withoutPadding()
                .encodeToString("{\"alg\":\"none\",\"typ\":\"eph+jwt\"}".getBytes())) + "." + parts[1] + ".";
        assertThat(broker.consume(reader, unsigned).code()).isEqualTo("invalid_token");
        assertThat(broker.consume(reader, jwt).status()).isEqualTo(200);
    }

    @ParameterizedTest(name = "{0} -> {1} {2}")
    @MethodSource("badMints")
    void refusesBadMintRequestsNamingTheField(String json, String code, String param) {
        Reply r = broker.postJson("/v1/tokens", writer, json);
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.code()).isEqualTo(code);
        assertThat(((Map<?, ?>) r.json().get("error")).get("param")).isEqualTo(param);
        assertThat(((Map<?, ?>) r.json().get("error")).get("type")).isEqualTo("invalid_request_error");
    }

    static Stream<Arguments> badMints() {
        return Stream.of(
                Arguments.of("{}", "invalid_request", "provider"),
                Arguments.of("{\"provider\":42}", "invalid_request", "provider"),
                Arguments.of("{\"provider\":\"nope\"}", "unknown_provider", "provider"),
                Arguments.of("{\"provider\":\"openai\",\"ttl_seconds\":9}", "invalid_request", "ttl_seconds"),
                Arguments.of("{\"provider\":\"openai\",\"ttl_seconds\":601}", "invalid_request", "ttl_seconds"),
                Arguments.of("{\"provider\":\"openai\",\"ttl_seconds\":\"60\"}", "invalid_request", "ttl_seconds"),
                Arguments.of("{\"provider\":\"openai\",\"ttl_seconds\":60.5}", "invalid_request", "ttl_seconds"),
                Arguments.of("{\"provider\":\"openai\",\"max_uses\":0}", "invalid_request", "max_uses"),
                Arguments.of("{\"provider\":\"openai\",\"max_uses\":101}", "invalid_request", "max_uses"),
                Arguments.of("{\"provider\":\"openai\",\"format\":\"pem\"}", "invalid_request", "format"),
                Arguments.of("{\"provider\":\"openai\",\"origin\":\"https://a.example/x\"}", "invalid_request",
                        "origin"),
                Arguments.of("{\"provider\":\"openai\",\"origin\":\"ftp://a.example\"}", "invalid_request",
                        "origin"),
                Arguments.of("{\"provider\":\"openai\",\"mode\":\"sideways\"}", "invalid_request", "mode"),
                Arguments.of("{\"provider\":\"openai\",\"session\":\"x\"}", "invalid_request", "session"),
                Arguments.of("{\"provider\":\"openai\",\"locked_fields\":\"voice\"}", "invalid_request",
                        "locked_fields"),
                Arguments.of("{\"provider\":\"openai\",\"locked_fields\":[\"a b\"]}", "invalid_request",
                        "locked_fields"),
                Arguments.of("{\"provider\":\"openai\",\"model\":\"a b\"}", "invalid_request", "model"),
                Arguments.of("{\"provider\":\"openai\",\"subject\":\"\"}", "invalid_request", "subject"),
                Arguments.of("{\"provider\":\"openai\",\"colour\":\"red\"}", "invalid_request", "colour"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("unreadableBodies")
    void refusesUnreadableJson(String body) {
        Reply r = broker.postJson("/v1/tokens", writer, body);
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.code()).isEqualTo("invalid_json");
    }

    static Stream<String> unreadableBodies() {
        return Stream.of("{\"provider\":", "[1,2]", "\"openai\"", "{\"provider\":\"openai\"}}",
                "[".repeat(5000) + "]".repeat(5000),
                // a key twice: readers disagree on which one wins
                "{\"provider\":\"openai\",\"provider\":\"anthropic\"}",
                "{\"provider\":\"openai\",\"session\":{\"voice\":\"alloy\",\"voice\":\"verse\"}}");
    }

    @Test
    void refusesOversizedBodyWith413() {
        String big = "{\"provider\":\"openai\",\"subject\":\"" + "x".repeat(70_000) + "\"}";
        Reply r = broker.postJson("/v1/tokens", writer, big);
        assertThat(r.status()).isEqualTo(413);
        assertThat(r.code()).isEqualTo("payload_too_large");
    }

    @Test
    void unknownRouteAndWrongMethodAnswerInTheEnvelope() {
        Reply notFound = broker.get("/v1/nothing-here", writer);
        assertThat(notFound.status()).isEqualTo(404);
        assertThat(notFound.code()).isEqualTo("not_found");
        assertThat(notFound.headers().get("X-Request-Id")).isNotBlank();
        Reply wrongMethod = broker.get("/v1/tokens/introspect", writer);
        assertThat(wrongMethod.status()).isEqualTo(405);
        assertThat(wrongMethod.json()).containsKey("error");
        Reply wrongType = broker.send(HttpRequest.POST("/v1/tokens", "provider=openai")
                .contentType(MediaType.TEXT_PLAIN_TYPE).bearerAuth(writer));
        assertThat(wrongType.status()).isEqualTo(415);
        assertThat(wrongType.json()).containsKey("error");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badCredentials")
    void refusesBadCredentialsWithoutEchoingThem(String why, Map<String, String> headers, String query,
            int status, String code) {
        var request = HttpRequest.POST("/v1/tokens" + query, "{\"provider\":\"openai\"}")
                .contentType(MediaType.APPLICATION_JSON_TYPE);
        headers.forEach(request::header);
        Reply r = broker.send(request);
        assertThat(r.status()).isEqualTo(status);
        assertThat(r.code()).isEqualTo(code);
        assertThat(r.headers().get("X-Request-Id")).isNotBlank();
        if (status == 401) {
            assertThat(r.headers().get("WWW-Authenticate"))
                    .isEqualTo("Bearer realm=\"ephemera\", error=\"invalid_token\"");
        }
        headers.values().forEach(v -> assertThat(r.body()).doesNotContain(v.replace("Bearer ", "")));
    }

    static Stream<Arguments> badCredentials() {
        String wellFormedUnknown = dev.ephemera.apikey.ApiKeyService.FORMAT.generate("AAAAAAAAAAAAAAAA");
        String badChecksum = wellFormedUnknown.substring(0, wellFormedUnknown.length() - 1)
                + (wellFormedUnknown.endsWith("A") ? "B" : "A");
        return Stream.of(
                Arguments.of("no credential", Map.of(), "", 401, "missing_api_key"),
                Arguments.of("garbage bearer", Map.of("Authorization", "Bearer sk-test-garbage"), "", 401,
                        "invalid_api_key"),
                Arguments.of("unknown key", Map.of("Authorization", "Bearer " + wellFormedUnknown), "", 401,
                        "invalid_api_key"),
                Arguments.of("bad checksum", Map.of("x-api-key", badChecksum), "", 401, "invalid_api_key"),
                Arguments.of("basic auth", Map.of("Authorization", "Basic dXNlcjpwYXNz"), "", 401,
                        "malformed_authorization"),
                Arguments.of("two different keys", Map.of("Authorization", "Bearer " + Broker.ADMIN_KEY,
                        "x-api-key", wellFormedUnknown), "", 401, "malformed_authorization"),
                Arguments.of("key in query", Map.of(), "?api_key=" + wellFormedUnknown, 400,
                        "unsupported_auth_method"),
                Arguments.of("key in query beside a good header", Map.of("x-api-key", Broker.ADMIN_KEY),
                        "?key=abc", 400, "unsupported_auth_method"),
                Arguments.of("ephemeral token as key", Map.of("Authorization", "Bearer "
                        + dev.ephemera.token.TokenService.OPAQUE.generate("")), "", 401, "invalid_api_key"));
    }

    @Test
    void acceptsTheKeyInEitherHeaderOrBothWhenEqual() {
        var viaHeader = HttpRequest.POST("/v1/tokens", "{\"provider\":\"openai\"}")
                .contentType(MediaType.APPLICATION_JSON_TYPE).header("x-api-key", writer);
        assertThat(broker.send(viaHeader).status()).isEqualTo(201);
        var both = HttpRequest.POST("/v1/tokens", "{\"provider\":\"openai\"}")
                .contentType(MediaType.APPLICATION_JSON_TYPE).header("x-api-key", writer).bearerAuth(writer);
        assertThat(broker.send(both).status()).isEqualTo(201);
    }

    @Test
    void readKeyMayNotMintAndWriteKeyMayNotAdminister() {
        Reply mint = broker.postJson("/v1/tokens", reader, Map.of("provider", "openai"));
        assertThat(mint.status()).isEqualTo(403);
        assertThat(mint.code()).isEqualTo("insufficient_permissions");
        assertThat(broker.get("/v1/admin/keys", writer).code()).isEqualTo("insufficient_permissions");
    }

    @Test
    void createdKeyIsShownOnceAndNeverListed() {
        Reply created = broker.postJson("/v1/admin/keys", Broker.ADMIN_KEY, Map.of("name", "svc",
                "permissions", List.of("write"), "expires_in", 3600, "rate_limit_per_minute", 100));
        assertThat(created.status()).isEqualTo(201);
        String key = created.string("key");
        assertThat(key).startsWith("ephk_").hasSize(70);
        assertThat(created.string("id")).isEqualTo("key_" + key.substring(5, 21));
        assertThat(created.number("expires_at") - created.number("created_at")).isEqualTo(3600);
        Reply listed = broker.get("/v1/admin/keys", Broker.ADMIN_KEY);
        Reply one = broker.get("/v1/admin/keys/" + created.string("id"), Broker.ADMIN_KEY);
        assertThat(one.json()).containsEntry("name", "svc").doesNotContainKey("key");
        assertThat(listed.body()).contains(created.string("id")).doesNotContain(key.substring(21));
        assertThat(one.body()).doesNotContain(key.substring(21));
        assertThat(broker.get("/v1/admin/keys/key_AAAAAAAAAAAAAAAA", Broker.ADMIN_KEY).code())
                .isEqualTo("not_found");
    }

    @Test
    void rotatedKeyKeepsTheOldSecretForTheGracePeriodOnly() {
        Reply created = broker.postJson("/v1/admin/keys", Broker.ADMIN_KEY,
                Map.of("name", "rot", "permissions", List.of("write")));
        String id = created.string("id");
        String old = created.string("key");
        Reply rotated = broker.postJson("/v1/admin/keys/" + id + "/rotate", Broker.ADMIN_KEY,
                Map.of("grace_seconds", 30));
        String fresh = rotated.string("key");
        assertThat(fresh).isNotEqualTo(old).startsWith("ephk_" + id.substring(4));
        assertThat(broker.postJson("/v1/tokens", old, Map.of("provider", "openai")).status()).isEqualTo(201);
        assertThat(broker.postJson("/v1/tokens", fresh, Map.of("provider", "openai")).status()).isEqualTo(201);
        broker.clock().advance(Duration.ofSeconds(31));
        try {
            assertThat(broker.postJson("/v1/tokens", old, Map.of("provider", "openai")).code())
                    .isEqualTo("invalid_api_key");
            assertThat(broker.postJson("/v1/tokens", fresh, Map.of("provider", "openai")).status()).isEqualTo(201);
        } finally {
            broker.clock().advance(Duration.ofSeconds(-31));
        }
    }

    @Test
    void revokedKeyIsRefusedAndCascadeRevokesItsTokens() {
        Reply created = broker.postJson("/v1/admin/keys", Broker.ADMIN_KEY,
                Map.of("name", "doomed", "permissions", List.of("write", "read")));
        String key = created.string("key");
        String a = broker.mint(key, body("provider", "openai")).string("value");
        String b = broker.mint(key, body("provider", "openai", "format", "jwt")).string("value");
        Reply revoked = broker.delete("/v1/admin/keys/" + created.string("id") + "?cascade=true", Broker.ADMIN_KEY);
        assertThat(revoked.status()).isEqualTo(200);
        assertThat(revoked.number("revoked_tokens")).isEqualTo(2);
        assertThat(revoked.json()).containsKey("revoked_at");
        assertThat(broker.postJson("/v1/tokens", key, Map.of("provider", "openai")).code())
                .isEqualTo("revoked_api_key");
        assertThat(broker.consume(reader, a).code()).isEqualTo("invalid_token");
        assertThat(broker.consume(reader, b).code()).isEqualTo("invalid_token");
    }

    @Test
    void expiredKeyIsRefused() {
        String key = broker.postJson("/v1/admin/keys", Broker.ADMIN_KEY,
                Map.of("name", "short", "permissions", List.of("write"), "expires_in", 60)).string("key");
        assertThat(broker.postJson("/v1/tokens", key, Map.of("provider", "openai")).status()).isEqualTo(201);
        broker.clock().advance(Duration.ofSeconds(61));
        try {
            assertThat(broker.postJson("/v1/tokens", key, Map.of("provider", "openai")).code())
                    .isEqualTo("expired_api_key");
        } finally {
            broker.clock().advance(Duration.ofSeconds(-61));
        }
    }

    @Test
    void keyRecordsWhenItWasLastUsed() {
        Reply created = broker.postJson("/v1/admin/keys", Broker.ADMIN_KEY,
                Map.of("name", "used", "permissions", List.of("read")));
        assertThat(created.json()).doesNotContainKey("last_used_at");
        broker.introspect(created.string("key"), "x");
        // Recorded after the answer, off the request's path.
        await().atMost(java.time.Duration.ofSeconds(10)).until(() -> broker.get("/v1/admin/keys/"
                + created.string("id"), Broker.ADMIN_KEY).json().get("last_used_at") != null);
    }

    @Test
    void keyRestrictionsBindWhatItMints() {
        String key = broker.postJson("/v1/admin/keys", Broker.ADMIN_KEY, Map.of("name", "narrow",
                "permissions", List.of("write"), "allowed_providers", List.of("openai"),
                "allowed_origins", List.of("https://app.example.com"))).string("key");
        assertThat(broker.postJson("/v1/tokens", key, Map.of("provider", "anthropic",
                "origin", "https://app.example.com")).code()).isEqualTo("provider_not_allowed");
        assertThat(broker.postJson("/v1/tokens", key, Map.of("provider", "openai",
                "origin", "https://evil.example")).code()).isEqualTo("origin_not_allowed");
        assertThat(broker.postJson("/v1/tokens", key, Map.of("provider", "openai")).code())
                .isEqualTo("origin_not_allowed");
        assertThat(broker.postJson("/v1/tokens", key, Map.of("provider", "openai",
                "origin", "https://app.example.com")).status()).isEqualTo(201);
    }

    @Test
    void publishesDiscoveryDocumentsAndHealth() {
        Reply metadata = broker.get("/.well-known/oauth-authorization-server", null);
        assertThat(metadata.status()).isEqualTo(200);
        assertThat(metadata.json()).containsEntry("issuer", broker.url())
                .containsEntry("jwks_uri", broker.url() + "/.well-known/jwks.json")
                .containsEntry("introspection_endpoint", broker.url() + "/v1/tokens/introspect")
                .containsEntry("revocation_endpoint", broker.url() + "/v1/tokens/revoke");
        assertThat(broker.get("/health/liveness", null).status()).isEqualTo(200);
        assertThat(broker.get("/health/readiness", null).status()).isEqualTo(200);
    }
}

package dev.ephemera;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ephemera.support.Broker;
import dev.ephemera.support.Broker.Reply;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.MediaType;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * What every request is held to: readable bodies, named fields, credentials, the error envelope, discovery (SPEC
 * §3, §6), run against every store (SPEC §2: one contract for both): {@link RedisApiTest} and {@link
 * InMemoryApiTest}. Real HTTP through the Micronaut client; time moved with the broker's injected clock.
 */
abstract class AbstractRequestApiTest extends ApiContract {

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
                Arguments.of("{\"provider\":\"openai\",\"colour\":\"red\"}", "invalid_request", "colour"),
                // a number past any long is clamped, then refused by the range, never wrapped into it
                Arguments.of("{\"provider\":\"openai\",\"ttl_seconds\":1e30}", "invalid_request", "ttl_seconds"),
                Arguments.of("{\"provider\":\"openai\",\"max_uses\":-18446744073709551615}", "invalid_request",
                        "max_uses"),
                Arguments.of("{\"provider\":\"openai\",\"max_uses\":true}", "invalid_request", "max_uses"),
                Arguments.of("{\"provider\":\"openai\",\"locked_fields\":[\"voice\",5]}", "invalid_request",
                        "locked_fields"),
                Arguments.of("{\"provider\":\"openai\",\"endpoints\":[" + "\"chat/completions\",".repeat(32)
                        + "\"chat/completions\"]}", "invalid_request", "endpoints"),
                Arguments.of("{\"provider\":\"openai\",\"subject\":\"a\\u0085b\"}", "invalid_request", "subject"),
                // two mistakes: the first field in the body's documented order is named, whatever the JSON order
                Arguments.of("{\"max_uses\":0,\"model\":\"a b\",\"provider\":\"openai\"}", "invalid_request",
                        "model"),
                Arguments.of("{\"provider\":\"openai\",\"consume\":true}", "invalid_request", "consume"));
    }

    @Test
    void acceptsAWholeNumberWrittenAsADecimal() {
        Reply r = broker.postJson("/v1/tokens", writer, "{\"provider\":\"openai\",\"ttl_seconds\":60.0,"
                + "\"max_uses\":2e0}");
        assertThat(r.status()).isEqualTo(201);
        assertThat(broker.introspect(writer, r.string("value")).json()).containsEntry("max_uses", 2);
    }

    @Test
    void formBodiesGiveBooleansAsTextAndNothingElse() {
        String token = broker.postJson("/v1/tokens", writer, "{\"provider\":\"openai\"}").string("value");
        Reply yes = broker.postForm("/v1/tokens/introspect", writer, "token=" + token + "&consume=yes");
        assertThat(yes.status()).isEqualTo(400);
        assertThat(((Map<?, ?>) yes.json().get("error")).get("param")).isEqualTo("consume");
        Reply twice = broker.postForm("/v1/tokens/introspect", writer, "token=" + token + "&token=" + token);
        assertThat(((Map<?, ?>) twice.json().get("error")).get("param")).isEqualTo("token");
        Reply json = broker.postJson("/v1/tokens/introspect", writer,
                "{\"token\":\"" + token + "\",\"consume\":\"true\"}");
        assertThat(((Map<?, ?>) json.json().get("error")).get("param")).isEqualTo("consume");
        assertThat(broker.postForm("/v1/tokens/introspect", writer, "token=" + token + "&consume=false").json())
                .containsEntry("active", true);
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
                        + dev.ephemera.token.TokenStrategy.OPAQUE.generate("")), "", 401, "invalid_api_key"));
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

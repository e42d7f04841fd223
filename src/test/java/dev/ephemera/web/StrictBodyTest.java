package dev.ephemera.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ephemera.support.Broker;
import dev.ephemera.support.BrokerExtension;
import dev.ephemera.support.TestIssuer;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link StrictBody}: every endpoint that binds its body with it refuses what {@link RequestBodies} refuses (SPEC
 * §6) — a key twice ({@code invalid_json}), a field of the wrong JSON kind, nested too, and a field its record lacks
 * ({@code invalid_request} naming the field) — and reads the body only once the caller is authenticated.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class StrictBodyTest {

    private static final TestIssuer IDP = new TestIssuer();
    @RegisterExtension
    static final BrokerExtension ENV = BrokerExtension.inMemory().with(IDP.brokerConfig()).withFakeProvider();

    private final HttpClient http = HttpClient.newHttpClient();
    private Broker broker;
    private String key;
    private int subjects;

    @BeforeAll
    void start() {
        broker = ENV.broker();
        key = ENV.secret(broker.createKey("write", "read", "webhook"));
    }

    /** Each endpoint bound with {@link StrictBody}: its caller, and one field with a value of the wrong kind. */
    static Stream<Arguments> endpoints() {
        return Stream.of(
                Arguments.of("/v1/tokens", "key", "\"provider\":5", "provider"),
                Arguments.of("/v1/tokens/introspect", "key", "\"token\":5", "token"),
                Arguments.of("/v1/tokens/revoke", "key", "\"token\":true", "token"),
                Arguments.of("/v1/realtime/client_secrets", "key", "\"expires_after\":{\"seconds\":\"60\"}",
                        "expires_after.seconds"),
                Arguments.of("/realtime-token", "user", "\"ttl_seconds\":\"60\"", "ttl_seconds"),
                Arguments.of("/v1/admin/keys", "admin", "\"name\":\"a\",\"permissions\":\"read\"", "permissions"),
                Arguments.of("/v1/admin/keys/key_0123456789abcdef01234567/rotate", "admin",
                        "\"grace_seconds\":1.5", "grace_seconds"),
                Arguments.of("/v1/webhooks", "key", "\"url\":[\"https://example.com\"]", "url"));
    }

    /** {@link #endpoints} but introspection and revocation: RFC 7662 and 7009 take their client from the body. */
    static Stream<Arguments> authenticatedEndpoints() {
        return endpoints().filter(e -> !((String) e.get()[0]).startsWith("/v1/tokens/"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("endpoints")
    void aKeyTwiceIsInvalidJson(String path, String caller, String wrongKind, String field) throws Exception {
        HttpResponse<String> answer = send(path, caller, "{\"" + field.split("\\.")[0] + "\":null,\""
                + field.split("\\.")[0] + "\":null}");
        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(400);
        assertThat(answer.body()).startsWith("{\"error\":{").contains("\"code\":\"invalid_json\"");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("endpoints")
    void aFieldOfTheWrongKindIsNamed(String path, String caller, String wrongKind, String field) throws Exception {
        HttpResponse<String> answer = send(path, caller, "{" + wrongKind + "}");
        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(400);
        assertThat(answer.body()).contains("\"code\":\"invalid_request\"").contains("\"param\":\"" + field + "\"");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("endpoints")
    void aFieldTheRecordLacksIsNamed(String path, String caller, String wrongKind, String field) throws Exception {
        HttpResponse<String> answer = send(path, caller, "{\"no_such_field\":1}");
        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(400);
        assertThat(answer.body()).contains("\"code\":\"invalid_request\"").contains("\"param\":\"no_such_field\"")
                .contains("Unknown parameter 'no_such_field'.");
    }

    /** Authentication comes first: a caller that is not one learns nothing of its body's mistakes. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("authenticatedEndpoints")
    void theBodyIsReadAfterTheCallerIsKnown(String path, String caller, String wrongKind, String field)
            throws Exception {
        HttpResponse<String> answer = send(path, "none", "{\"x\":1,\"x\":2}");
        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(401);
    }

    private HttpResponse<String> send(String path, String caller, String body)
            throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(broker.url() + path))
                .POST(HttpRequest.BodyPublishers.ofString(body)).header("Content-Type", "application/json");
        switch (caller) {
            case "key" -> request.header("Authorization", "Bearer " + key);
            case "admin" -> request.header("Authorization", "Bearer " + Broker.ADMIN_KEY);
            case "user" -> request.header("Authorization", "Bearer " + IDP.user("user-" + subjects++))
                    .header("Origin", "https://app.example.com");
            default -> {
            }
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }
}

package dev.ephemera.relay;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ephemera.support.Broker;
import dev.ephemera.support.Broker.Reply;
import dev.ephemera.support.BrokerExtension;
import dev.ephemera.support.FakeUpstream;
import io.micronaut.http.HttpMethod;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.MediaType;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * SPEC §4's HTTP relay scope: a token reaches only its provider's allowed endpoints (narrowed by the token's
 * {@code endpoints}) and, when bound to a model, only that model. A refusal sends nothing upstream and costs no use.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HttpRelayScopeTest {

    @RegisterExtension
    static final BrokerExtension ENV = BrokerExtension.onRedis()
            .with("ephemera.providers.gemini.api-key", "sk-test-gemini-0000-fake")
            .withFakeProvider(fake -> Map.of("ephemera.providers.gemini.base-url", fake.expectKey("gemini",
                    "x-goog-api-key", "sk-test-gemini-0000-fake").base("gemini")));
    private FakeUpstream fake;
    private Broker broker;
    private String key;

    @BeforeAll
    void start() {
        fake = ENV.fake();
        broker = ENV.broker();
        key = ENV.secret(broker.createKey("write", "read"));
    }

    @BeforeEach
    void reset() {
        fake.recorder().reset();
    }

    private String token(Map<String, Object> extra) {
        Map<String, Object> body = new HashMap<>(Map.of("provider", "openai", "max_uses", 1));
        body.putAll(extra);
        return broker.mint(key, body).string("value");
    }

    private Reply send(String method, String path, String token, String body) {
        return broker.send(HttpRequest.create(HttpMethod.valueOf(method), broker.url() + path)
                .body(body == null ? "" : body).contentType(MediaType.APPLICATION_JSON_TYPE).bearerAuth(token));
    }

    /** The finding: a token minted for gpt-realtime reached the account's files, fine-tuning and organisation. */
    @ParameterizedTest
    @CsvSource({
        "GET, /v1/proxy/openai/files",
        "POST, /v1/proxy/openai/fine_tuning/jobs",
        "DELETE, /v1/proxy/openai/files/file-abc",
        "GET, /v1/proxy/openai/organization/users",
        "POST, /v1/proxy/openai/realtime/client_secrets",
        "POST, /v1/proxy/openai/batches",
        "GET, /v1/proxy/openai/chat/completions",
        "POST, /v1/proxy/openai/chat/completions/x",
        "POST, /v1/proxy/openai/Chat/Completions",
        "POST, /v1/proxy/openai/chat%2Fcompletions",
        "POST, /v1/proxy/openai/chat/completions;x",
    })
    void endpointsOutsideTheProvidersInferenceSetAreRefusedWithoutTakingAUse(String method, String path) {
        String token = token(Map.of("model", "gpt-realtime"));
        Reply r = send(method, path, token, "{\"model\":\"gpt-realtime\"}");
        assertThat(r.status()).as(path).isIn(400, 403);
        assertThat(r.code()).as(path).isIn("endpoint_not_allowed", "invalid_request");
        assertThat(fake.recorder().requests).as("sent upstream").isEmpty();
        assertThat(send("POST", "/v1/proxy/openai/chat/completions", token, "{\"model\":\"gpt-realtime\"}")
                .status()).as("the use is still there").isEqualTo(200);
    }

    @Test
    void aModelBoundTokenIsRelayedOnlyForItsModel() {
        String token = token(Map.of("model", "gpt-4o-mini"));
        for (String body : List.of("{\"model\":\"gpt-4o\"}", "{\"messages\":[]}",
                "{\"model\":\"gpt-4o-mini\",\"model\":\"gpt-4o\"}", "{\"model\":[\"gpt-4o-mini\"]}", "not json",
                "{\"model\":\"gpt-4o-mini\"} {\"model\":\"gpt-4o\"}")) {
            Reply r = send("POST", "/v1/proxy/openai/chat/completions", token, body);
            assertThat(r.status()).as(body).isEqualTo(403);
            assertThat(r.code()).as(body).isEqualTo("model_not_allowed");
            assertThat(r.body()).as("no echo").doesNotContain("gpt-4o\"");
        }
        assertThat(fake.recorder().requests).isEmpty();
        Reply ok = send("POST", "/v1/proxy/openai/chat/completions", token, "{\"model\":\"gpt-4o-mini\"}");
        assertThat(ok.status()).isEqualTo(200);
        assertThat(fake.recorder().requests).hasSize(1);
    }

    @Test
    void aTokenWithoutAModelIsRelayedForAnyModel() {
        assertThat(send("POST", "/v1/proxy/openai/chat/completions", token(Map.of()), "{\"model\":\"gpt-4o\"}")
                .status()).isEqualTo(200);
    }

    @Test
    void theModelInTheGeminiPathIsTheOneChecked() {
        String token = broker.mint(key, Map.of("provider", "gemini", "model", "gemini-2.0-flash", "max_uses", 2))
                .string("value");
        Reply other = send("POST", "/v1/proxy/gemini/v1beta/models/gemini-2.5-pro:generateContent", token, "{}");
        assertThat(other.code()).isEqualTo("model_not_allowed");
        assertThat(fake.recorder().requests).isEmpty();
        Reply own = send("POST", "/v1/proxy/gemini/v1beta/models/gemini-2.0-flash:generateContent", token, "{}");
        assertThat(own.status()).isEqualTo(200);
        assertThat(fake.recorder().last().header("x-goog-api-key")).isEqualTo("sk-test-gemini-0000-fake");
    }

    @Test
    void aTokenNarrowedToSomeEndpointsReachesOnlyThose() {
        String token = token(Map.of("endpoints", List.of("POST /embeddings"), "max_uses", 2));
        Reply chat = send("POST", "/v1/proxy/openai/chat/completions", token, "{}");
        assertThat(chat.status()).isEqualTo(403);
        assertThat(chat.code()).isEqualTo("endpoint_not_allowed");
        assertThat(fake.recorder().requests).isEmpty();
        assertThat(send("POST", "/v1/proxy/openai/embeddings", token, "{}").status()).isEqualTo(200);
        assertThat(send("POST", "/v1/proxy/openai/embeddings", token, "{}").status()).as("second use")
                .isEqualTo(200);
    }

    @Test
    void mintRefusesEndpointsTheProviderDoesNotAllow() {
        for (Object endpoints : List.of(List.of("GET /files"), List.of("POST /chat/completions/../files"),
                List.of("chat/completions"), "POST /chat/completions")) {
            Reply r = broker.send(HttpRequest.POST("/v1/tokens", Map.of("provider", "openai", "endpoints", endpoints))
                    .bearerAuth(key));
            assertThat(r.status()).as(endpoints.toString()).isEqualTo(400);
            assertThat(r.code()).isEqualTo("invalid_request");
            assertThat(r.param()).isEqualTo("endpoints");
        }
        // The method's case is not the endpoint's identity.
        assertThat(broker.mint(key, Map.of("provider", "openai", "endpoints", List.of("post /chat/completions")))
                .string("value")).startsWith("eph_");
    }

    /** An origin-bound token is relayed only for a page on that origin, on the HTTP and the WebRTC relay. */
    @Test
    void anOriginBoundTokenIsRelayedOnlyFromItsOrigin() {
        String token = token(Map.of("origin", "https://app.example.com", "max_uses", 2));
        MediaType sdp = new MediaType("application/sdp");
        for (String origin : new String[] {"https://evil.example", null}) {
            var chat = HttpRequest.POST("/v1/proxy/openai/chat/completions", "{}")
                    .contentType(MediaType.APPLICATION_JSON_TYPE).bearerAuth(token);
            var call = HttpRequest.POST("/v1/realtime/calls", "v=0\r\n").contentType(sdp).bearerAuth(token);
            if (origin != null) {
                chat.header("Origin", origin);
                call.header("Origin", origin);
            }
            for (Reply r : List.of(broker.send(chat), broker.send(call))) {
                assertThat(r.status()).as(String.valueOf(origin)).isEqualTo(403);
                assertThat(r.code()).isEqualTo("origin_not_allowed");
            }
        }
        assertThat(fake.recorder().requests).isEmpty();
        assertThat(broker.send(HttpRequest.POST("/v1/proxy/openai/chat/completions", "{}")
                .contentType(MediaType.APPLICATION_JSON_TYPE).header("Origin", "https://app.example.com")
                .bearerAuth(token)).status()).isEqualTo(200);
        assertThat(broker.send(HttpRequest.POST("/v1/realtime/calls", "v=0\r\n").contentType(sdp)
                .header("Origin", "https://app.example.com").bearerAuth(token)).status()).isEqualTo(201);
    }

    /** Gemini's streaming endpoint, with its query, relays the provider's events as they are. */
    @Test
    void geminiStreamsThroughTheRelayWithItsQuery() {
        String token = broker.mint(key, Map.of("provider", "gemini", "model", "gemini-2.0-flash")).string("value");
        Reply r = send("POST", "/v1/proxy/gemini/v1beta/models/gemini-2.0-flash:streamGenerateContent?alt=sse", token,
                "{\"contents\":[]}");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.headers().get("Content-Type")).startsWith("text/event-stream");
        assertThat(r.body()).contains("\"text\":\"po\"", "\"text\":\"ng\"", "\"totalTokenCount\":6");
        assertThat(fake.recorder().last().path())
                .isEqualTo("/fake/gemini/v1beta/models/gemini-2.0-flash:streamGenerateContent?alt=sse");
    }
}

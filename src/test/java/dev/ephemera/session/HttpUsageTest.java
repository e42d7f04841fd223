package dev.ephemera.session;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ephemera.support.Broker;
import dev.ephemera.support.BrokerExtension;
import dev.ephemera.support.FakeUpstream;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.MediaType;
import java.time.Duration;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * SPEC §11: the HTTP relay reads the usage of OpenAI-, Anthropic- and Gemini-shaped responses, whole and streamed
 * (server-sent events), as they pass to the client unchanged, and adds it to the token's receipt. OpenAI's stream
 * reports usage only when asked: the relay asks ({@code stream_options.include_usage}).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HttpUsageTest {

    @RegisterExtension
    static final BrokerExtension ENV = BrokerExtension.onRedis().withFakeProvider(fake -> Map.of(
            "ephemera.providers.gemini.base-url", fake.base("gemini"),
            "ephemera.providers.gemini.api-key", "test-gemini-key"));
    private Broker broker;
    private FakeUpstream fake;
    private String key;

    @BeforeAll
    void start() {
        broker = ENV.broker();
        fake = ENV.fake();
        fake.acceptAnyKey("gemini");
        key = ENV.secret(broker.createKey("write", "read"));
    }

    static Stream<Arguments> shapes() {
        String chat = "{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":\"ping\"}]";
        String claude = "{\"model\":\"claude-fake\",\"max_tokens\":64,\"messages\":[{\"role\":\"user\","
                + "\"content\":\"ping\"}]";
        String gemini = "{\"contents\":[{\"parts\":[{\"text\":\"ping\"}]}]}";
        return Stream.of(
                Arguments.of("openai JSON", "openai", "/chat/completions", chat + "}", 5, 1, 6, 0),
                Arguments.of("openai SSE", "openai", "/chat/completions", chat + ",\"stream\":true}", 5, 2, 7, 0),
                Arguments.of("anthropic JSON", "anthropic", "/v1/messages", claude + "}", 1, 1, 2, 0),
                // Anthropic's input_tokens leaves out its cache reads: 25 + 3 read from the cache, counted once.
                Arguments.of("anthropic SSE", "anthropic", "/v1/messages", claude + ",\"stream\":true}", 28, 15, 43,
                        3),
                Arguments.of("gemini JSON", "gemini", "/v1beta/models/gemini-2.0-flash:generateContent", gemini,
                        4, 1, 5, 0),
                Arguments.of("gemini SSE", "gemini", "/v1beta/models/gemini-2.0-flash:streamGenerateContent?alt=sse",
                        gemini, 4, 2, 6, 0));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("shapes")
    @SuppressWarnings("unchecked")
    void usageIsReadFromTheResponseAndAddedToTheTokensReceipt(String name, String provider, String path, String body,
            int input, int output, int total, int cached) {
        Broker.Reply minted = broker.mint(key, Map.of("provider", provider));
        Broker.Reply relayed = broker.send(HttpRequest.POST("/v1/proxy/" + provider + path, body)
                .contentType(MediaType.APPLICATION_JSON).bearerAuth(ENV.secret(minted.string("value"))));
        assertThat(relayed.status()).as(relayed.body()).isEqualTo(200);
        if (name.endsWith("SSE")) {
            assertThat(relayed.headers().get("Content-Type")).startsWith("text/event-stream");
        }
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
            Map<String, Object> receipt = broker.get("/v1/tokens/" + minted.string("id"), key).json();
            assertThat((Map<String, Object>) receipt.get("usage")).as(name).containsEntry("input_tokens", input)
                    .containsEntry("output_tokens", output).containsEntry("total_tokens", total)
                    .containsEntry("cached_tokens", cached).containsEntry("responses", 1);
        });
        if (name.equals("openai SSE")) {
            assertThat(relayed.body()).as("the usage chunk the relay asked for").contains("\"total_tokens\":7");
            assertThat(fake.recorder().last().body()).contains("\"stream_options\":{\"include_usage\":true}");
        }
    }

    /** SPEC §11: a key's budget of tokens per day refuses its mints with 429 quota_exceeded once spent. */
    @org.junit.jupiter.api.Test
    @SuppressWarnings("unchecked")
    void aKeysDailyBudgetRefusesItsMintsOnceSpent() {
        Broker.Reply created = broker.postJson("/v1/admin/keys", Broker.ADMIN_KEY, Map.of("name", "budgeted",
                "permissions", java.util.List.of("read", "write"), "budget", Map.of("tokens_per_day", 10)));
        assertThat(created.status()).isEqualTo(201);
        assertThat((Map<String, Object>) created.json().get("budget")).containsEntry("tokens_per_day", 10);
        String budgeted = ENV.secret(created.string("key"));
        String chat = "{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":\"ping\"}]}";
        // Each relayed request uses 6 tokens: the first leaves the key below its 10, the second takes it past.
        for (int request = 0; request < 2; request++) {
            Broker.Reply minted = broker.mint(budgeted, Map.of("provider", "openai"));
            assertThat(broker.send(HttpRequest.POST("/v1/proxy/openai/chat/completions", chat)
                    .contentType(MediaType.APPLICATION_JSON).bearerAuth(ENV.secret(minted.string("value"))))
                    .status()).isEqualTo(200);
            await().atMost(Duration.ofSeconds(5)).until(() -> ((Number) ((Map<String, Object>) broker.get(
                    "/v1/tokens/" + minted.string("id"), budgeted).json().get("usage")).get("total_tokens"))
                    .intValue() == 6);
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> broker.postJson("/v1/tokens", budgeted,
                Map.of("provider", "openai")).status() == 429);
        Broker.Reply refused = broker.postJson("/v1/tokens", budgeted, Map.of("provider", "openai"));
        assertThat(refused.status()).isEqualTo(429);
        assertThat(refused.code()).isEqualTo("quota_exceeded");
        Broker.Reply bad = broker.postJson("/v1/admin/keys", Broker.ADMIN_KEY, Map.of("name", "b", "permissions",
                java.util.List.of("write"), "budget", Map.of("tokens_per_day", 0)));
        assertThat(bad.status()).isEqualTo(400);
        assertThat(bad.param()).isEqualTo("budget.tokens_per_day");
    }

    /**
     * SPEC §11 on the HTTP relay: each request's output is capped at what is left of the token's budget, in the
     * provider's own field, and a token whose budget is spent is refused.
     */
    @org.junit.jupiter.api.Test
    void theHttpRelayCapsEachRequestAtTheBudgetLeftAndRefusesASpentToken() {
        String chat = "{\"model\":\"gpt-4o\",\"max_completion_tokens\":500,\"messages\":[{\"role\":\"user\","
                + "\"content\":\"ping\"}]}";
        Broker.Reply minted = broker.mint(key, Map.of("provider", "openai", "max_uses", 5, "limits",
                Map.of("max_total_tokens", 10)));
        String token = ENV.secret(minted.string("value"));
        java.util.List<Integer> asked = new java.util.ArrayList<>();
        for (int i = 0; i < 2; i++) {
            assertThat(broker.send(HttpRequest.POST("/v1/proxy/openai/chat/completions", chat)
                    .contentType(MediaType.APPLICATION_JSON).bearerAuth(token)).status()).isEqualTo(200);
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("\"max_completion_tokens\":(\\d+)")
                    .matcher(fake.recorder().last().body());
            assertThat(m.find()).isTrue();
            asked.add(Integer.valueOf(m.group(1)));
            int spent = 6 * (i + 1);
            await().atMost(Duration.ofSeconds(5)).until(() -> ((Number) ((Map<?, ?>) broker.get("/v1/tokens/"
                    + minted.string("id"), key).json().get("usage")).get("total_tokens")).intValue() == spent);
        }
        assertThat(asked).containsExactly(10, 4);
        Broker.Reply spent = broker.send(HttpRequest.POST("/v1/proxy/openai/chat/completions", chat)
                .contentType(MediaType.APPLICATION_JSON).bearerAuth(token));
        assertThat(spent.status()).isEqualTo(429);
        assertThat(spent.code()).isEqualTo("quota_exceeded");

        // Anthropic's and Gemini's fields, and a lower value the client sent, which stays.
        Broker.Reply claude = broker.mint(key, Map.of("provider", "anthropic", "limits", Map.of("max_total_tokens",
                100)));
        assertThat(broker.send(HttpRequest.POST("/v1/proxy/anthropic/v1/messages", "{\"model\":\"claude-fake\","
                + "\"max_tokens\":4096,\"messages\":[]}").contentType(MediaType.APPLICATION_JSON)
                .bearerAuth(ENV.secret(claude.string("value")))).status()).isEqualTo(200);
        assertThat(fake.recorder().last().body()).contains("\"max_tokens\":100");
        Broker.Reply gemini = broker.mint(key, Map.of("provider", "gemini", "limits", Map.of("max_total_tokens",
                100)));
        assertThat(broker.send(HttpRequest.POST("/v1/proxy/gemini/v1beta/models/gemini-2.0-flash:generateContent",
                "{\"contents\":[],\"generationConfig\":{\"maxOutputTokens\":20,\"temperature\":0.5}}")
                .contentType(MediaType.APPLICATION_JSON).bearerAuth(ENV.secret(gemini.string("value")))).status())
                .isEqualTo(200);
        assertThat(fake.recorder().last().body()).contains("\"maxOutputTokens\":20").contains("\"temperature\":0.5");
    }
}

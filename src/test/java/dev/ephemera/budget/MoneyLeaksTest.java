package dev.ephemera.budget;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ephemera.support.Broker;
import dev.ephemera.support.FakeUpstream;
import dev.ephemera.support.TestRedis;
import dev.ephemera.support.WsClient;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.MediaType;
import java.net.http.WebSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The ways money slipped past its limits in the black-box attack on issue 30, each closed: a realtime response the
 * session ended under, or whose usage could not be read, counts as all it held; an HTTP request that timed out
 * after it went counts as all it held; input the broker cannot see (stored state, references, hosted tools,
 * transcription) is refused under a money limit; a model billed by the minute is refused on the WebSocket.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MoneyLeaksTest {

    private static final String PRICES = """
            models:
              - provider: openai
                model: gpt-realtime
                usd_per_million: { input_text: 4.00, input_audio: 32.00, output_text: 16.00, output_audio: 64.00 }
                source: test
              - provider: openai
                model: gpt-4o
                usd_per_million: { input_text: 2.50, output_text: 10.00 }
                source: test
              - provider: openai
                model: by-the-minute
                usd_per_million: { input_text: 1.00, output_text: 1.00 }
                usd_per_minute: "6.00"
                source: test
            """;

    @TempDir
    static Path dir;
    private FakeUpstream fake;
    private Broker broker;
    private String key;

    @BeforeAll
    void start() throws Exception {
        Path prices = dir.resolve("prices.yaml");
        Files.writeString(prices, PRICES);
        fake = new FakeUpstream();
        broker = Broker.onRedis(TestRedis.uri(), Map.of("ephemera.providers.openai.base-url", fake.base("openai"),
                "ephemera.providers.openai.realtime-url", fake.websocketBase("metered") + "/realtime",
                "ephemera.pricing.file", prices.toString(), "ephemera.relay.upstream-timeout", "150ms"));
        key = broker.createKey("write", "read");
    }

    @AfterAll
    void stop() {
        broker.close();
        fake.close();
    }

    private Broker.Reply mint(String model, String maxCost) {
        return broker.mint(key, Map.of("provider", "openai", "model", model, "max_uses", 5, "limits",
                Map.of("max_cost_usd", maxCost)));
    }

    private WsClient open(String token) throws Exception {
        return WsClient.connect(broker.url().replaceFirst("^http", "ws") + "/v1/realtime",
                List.of("ephemera", "ephemera-token." + token), Map.of());
    }

    private String cost(String tokenId) {
        return (String) ((Map<?, ?>) broker.get("/v1/tokens/" + tokenId, key).json().get("usage")).get("cost_usd");
    }

    private static String next(WsClient client, String containing) throws Exception {
        for (;;) {
            String text = client.next().text();
            if (text != null && text.contains(containing)) {
                return text;
            }
        }
    }

    @Test
    void aResponseTheSessionEndsUnderCountsAsAllItHeld() throws Exception {
        Broker.Reply minted = mint("gpt-realtime", "0.05");
        WsClient client = open(minted.string("value"));
        client.socket.sendText("{\"type\":\"response.create\",\"response\":{\"max_output_tokens\":500,"
                + "\"metadata\":{\"fake\":\"hold\"}}}", true).get(5, TimeUnit.SECONDS);
        next(client, "response.created");
        client.socket.sendClose(WebSocket.NORMAL_CLOSURE, "bye").get(5, TimeUnit.SECONDS);
        // 500 output tokens at the dearest output price ($64 per million): 32,000 micro-dollars, and its input.
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(cost(minted.string("id")))
                .isGreaterThanOrEqualTo("0.032000"));
    }

    @Test
    void aResponseWhoseUsageCannotBeReadCountsAsAllItHeld() throws Exception {
        Broker.Reply minted = mint("gpt-realtime", "0.05");
        WsClient client = open(minted.string("value"));
        client.socket.sendText("{\"type\":\"response.create\",\"response\":{\"max_output_tokens\":500,"
                + "\"metadata\":{\"fake\":\"garbage\"}}}", true).get(5, TimeUnit.SECONDS);
        next(client, "response.done");
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(cost(minted.string("id")))
                .isGreaterThanOrEqualTo("0.032000"));
        client.socket.sendClose(WebSocket.NORMAL_CLOSURE, "bye");
    }

    @Test
    void anHttpRequestThatTimedOutAfterItWentCountsAsAllItHeld() {
        Broker.Reply minted = mint("gpt-4o", "1.00");
        Broker.Reply timedOut = broker.send(HttpRequest.POST("/v1/proxy/openai/chat/completions",
                "{\"model\":\"gpt-4o\",\"user\":\"slow\",\"max_completion_tokens\":1000,\"messages\":[{\"role\":"
                        + "\"user\",\"content\":\"hi\"}]}").contentType(MediaType.APPLICATION_JSON_TYPE)
                .bearerAuth(minted.string("value")));
        assertThat(timedOut.status()).isEqualTo(502);
        // 1,000 output tokens at $10 per million: at least 10,000 micro-dollars were held, and are spent.
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(cost(minted.string("id")))
                .isGreaterThanOrEqualTo("0.010000"));
    }

    @Test
    void inputTheBrokerCannotSeeIsRefusedUnderAMoneyLimit() throws Exception {
        Broker.Reply minted = mint("gpt-4o", "1.00");
        for (String body : List.of("{\"model\":\"gpt-4o\",\"previous_response_id\":\"resp_1\",\"input\":\"hi\"}",
                "{\"model\":\"gpt-4o\",\"input\":\"hi\",\"tools\":[{\"type\":\"web_search\"}]}",
                "{\"model\":\"gpt-4o\",\"input\":[{\"role\":\"user\",\"content\":[{\"type\":\"input_image\","
                        + "\"image_url\":\"https://example.com/a.png\"}]}]}")) {
            Broker.Reply refused = broker.send(HttpRequest.POST("/v1/proxy/openai/responses", body)
                    .contentType(MediaType.APPLICATION_JSON_TYPE).bearerAuth(minted.string("value")));
            assertThat(refused.status()).as(body).isEqualTo(403);
            assertThat(refused.code()).isEqualTo("usage_not_measurable");
        }
        assertThat(broker.introspect(key, minted.string("value")).json()).as("no use taken")
                .containsEntry("uses_left", 5);

        WsClient client = open(mint("gpt-realtime", "0.05").string("value"));
        client.socket.sendText("{\"type\":\"response.create\",\"response\":{\"conversation\":\"none\",\"input\":"
                + "[{\"type\":\"item_reference\",\"id\":\"item_1\"}]}}", true).get(5, TimeUnit.SECONDS);
        assertThat(next(client, "\"error\"")).contains("usage_not_measurable");
        client.socket.sendText("{\"type\":\"session.update\",\"session\":{\"input_audio_transcription\":"
                + "{\"model\":\"gpt-4o-transcribe\"}}}", true).get(5, TimeUnit.SECONDS);
        assertThat(next(client, "\"error\"")).contains("usage_not_measurable", "input_audio_transcription");
        client.socket.sendClose(WebSocket.NORMAL_CLOSURE, "bye");
    }

    @Test
    void aModelBilledByTheMinuteIsRefusedOnTheWebSocketUnderAMoneyLimit() {
        Broker.Reply minted = mint("by-the-minute", "10.00");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> open(minted.string("value")))
                .hasStackTraceContaining("403");
        assertThat(broker.introspect(key, minted.string("value")).json()).containsEntry("uses_left", 5);
    }
}

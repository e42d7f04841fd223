package dev.ephemera.session;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ephemera.support.Broker;
import dev.ephemera.support.BrokerExtension;
import dev.ephemera.support.FakeUpstream;
import dev.ephemera.support.Scrape;
import dev.ephemera.support.WsClient;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * SPEC §11: a token's limits hold in the realtime relay, on Redis. The fake provider uses 20 tokens in a response
 * and as many out as it is allowed, up to 50; so with a budget of 100 the first response uses 70, the second is
 * allowed 30 and uses 50 in all, and the session ends there, at 120.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class UsageLimitsTest {

    private static final Pattern MAX_OUTPUT = Pattern.compile("\"max_output_tokens\":(\\d+)");

    @RegisterExtension
    static final BrokerExtension ENV = BrokerExtension.onRedis().withFakeProvider(fake -> Map.of(
            "ephemera.providers.openai.realtime-url", fake.websocketBase("sdk") + "/realtime"));
    private Broker broker;
    private FakeUpstream fake;
    private String key;

    @BeforeAll
    void start() {
        broker = ENV.broker();
        fake = ENV.fake();
        key = ENV.secret(broker.createKey("write", "read"));
    }

    private WsClient open(String token) throws Exception {
        return WsClient.connect(broker.url().replaceFirst("^http", "ws") + "/v1/realtime",
                List.of("ephemera", "ephemera-token." + ENV.secret(token)), Map.of());
    }

    /** Sends response.create and waits for its response.done (or the error event that ends the session). */
    private String respond(WsClient client) throws Exception {
        client.socket.sendText("{\"type\":\"response.create\",\"event_id\":\"mine\"}", true).get(5, TimeUnit.SECONDS);
        for (;;) {
            String text = client.next().text();
            if (text.contains("\"response.done\"") && text.contains("\"usage\"")) {
                return text;
            }
        }
    }

    @Test
    @SuppressWarnings("unchecked")
    void theResponseThatCrossesTheTokenBudgetEndsTheSessionAndTheProviderIsNeverAskedForMore() throws Exception {
        Broker.Reply minted = broker.mint(key, Map.of("provider", "openai", "limits", Map.of("max_total_tokens",
                100)));
        assertThat(minted.status()).isEqualTo(201);
        assertThat((Map<String, Object>) minted.json().get("limits")).containsEntry("max_total_tokens", 100);
        int before = fake.recorder().frames.size();
        WsClient client = open(minted.string("value"));
        respond(client);
        respond(client);
        await("closed; messages: " + client.messages).atMost(Duration.ofSeconds(5))
                .until(() -> client.closeCode.isDone());
        assertThat(client.closeCode.get()).isEqualTo(1008);
        assertThat(client.closeReason.get()).isEqualTo("usage limit reached");
        List<String> after = client.messages.stream().map(WsClient.Message::text).toList();
        assertThat(after).filteredOn(t -> t.contains("\"error\"")).singleElement().satisfies(t ->
                assertThat(t).contains("\"code\":\"usage_limit_reached\""));

        // What the provider was asked: the session's limit first, then each response at most the budget left.
        List<String> frames = fake.recorder().frames.subList(before, fake.recorder().frames.size());
        // (The session's limit is what is left once the client's first request, if it came before the provider
        // was connected, has its 100 reserved.)
        assertThat(frames.get(0)).contains("\"type\":\"session.update\"")
                .containsAnyOf("\"max_response_output_tokens\":100", "\"max_response_output_tokens\":1}");
        List<Integer> asked = frames.stream().filter(f -> f.contains("response.create")).map(f -> {
            Matcher m = MAX_OUTPUT.matcher(f);
            assertThat(m.find()).as(f).isTrue();
            return Integer.valueOf(m.group(1));
        }).toList();
        assertThat(asked).containsExactly(100, 30);
        // And the session's own limit (for responses the provider starts on voice activity), lowered after each.
        assertThat(frames.stream().filter(f -> f.contains("\"session.update\"")).toList()).hasSize(2)
                .last().asString().contains("\"max_response_output_tokens\":30");
        assertThat(frames.indexOf(frames.stream().filter(f -> f.contains("\"max_response_output_tokens\":30"))
                .findFirst().orElseThrow())).isLessThan(frames.lastIndexOf(frames.stream().filter(f -> f.contains(
                "response.create")).reduce((a, b) -> b).orElseThrow()));

        // The receipt holds the sum of what the provider reported: 70 + 50.
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
            Map<String, Object> receipt = broker.get("/v1/tokens/" + minted.string("id"), key).json();
            assertThat((Map<String, Object>) receipt.get("usage")).containsEntry("total_tokens", 120)
                    .containsEntry("input_tokens", 40).containsEntry("output_tokens", 80)
                    .containsEntry("responses", 2);
            assertThat((List<Map<String, Object>>) receipt.get("sessions")).singleElement().satisfies(s ->
                    assertThat(s).containsEntry("close_reason", "usage_limit_reached"));
        });
        // The metrics count it too: by provider and model (not one the profiles name: "other"), and by reason.
        Scrape metrics = Scrape.of(broker);
        assertThat(metrics.value("ephemera_usage_tokens_total{direction=\"input\",model=\"other\","
                + "provider=\"openai\"}")).isGreaterThanOrEqualTo(40);
        assertThat(metrics.value("ephemera_usage_tokens_total{direction=\"output\",model=\"other\","
                + "provider=\"openai\"}")).isGreaterThanOrEqualTo(80);
        assertThat(metrics.value("ephemera_relay_sessions_ended_total{reason=\"usage_limit_reached\"}"))
                .isGreaterThanOrEqualTo(1);
    }

    @Test
    void pipelinedRequestsAreCountedWhenForwardedNotWhenDone() throws Exception {
        // Twenty response.create back to back on a token of one response: one reaches the provider.
        int before = fake.recorder().frames.size();
        WsClient client = open(broker.mint(key, Map.of("provider", "openai", "limits", Map.of("max_responses", 1)))
                .string("value"));
        sendUntilClosed(client, i -> "{\"type\":\"response.create\"}");
        assertEndedAtItsLimit(client);
        assertThat(creates(before)).hasSize(1);

        // With a budget of tokens: while one is outstanding at the whole budget, the next finds nothing left.
        before = fake.recorder().frames.size();
        WsClient budgeted = open(broker.mint(key, Map.of("provider", "openai", "limits",
                Map.of("max_total_tokens", 100))).string("value"));
        sendUntilClosed(budgeted, i -> "{\"type\":\"response.create\",\"event_id\":\"e" + i + "\"}");
        await().atMost(Duration.ofSeconds(5)).until(() -> budgeted.messages.stream()
                .anyMatch(m -> m.text().contains("\"response.done\"")));
        List<Integer> asked = creates(before).stream().map(UsageLimitsTest::maxOutput).toList();
        // The first may use all 100; one forwarded after it was done only what it left (70 used: 30).
        assertThat(asked).isNotEmpty().hasSizeLessThanOrEqualTo(2).first().isEqualTo(100);
        assertThat(asked.subList(1, asked.size())).allSatisfy(cap -> assertThat(cap).isEqualTo(30));
        assertThat(budgeted.messages.stream().map(WsClient.Message::text))
                .anyMatch(t -> t.contains("\"code\":\"usage_limit_pending\"") && t.contains("\"event_id\":\"e"));
        // Once it is done, the next is allowed what is left, and the session ends at the limit (already, when one
        // of the twenty came after the first was done).
        sendUntilClosed(budgeted, i -> "{\"type\":\"response.create\"}");
        assertEndedAtItsLimit(budgeted);
        assertThat(creates(before).stream().map(UsageLimitsTest::maxOutput).toList()).endsWith(30);
    }

    @Test
    void theBudgetHoldsOnEscapedSpellingsOfTheEventAndItsFields() throws Exception {
        int before = fake.recorder().frames.size();
        WsClient client = open(broker.mint(key, Map.of("provider", "openai", "limits",
                Map.of("max_total_tokens", 100))).string("value"));
        client.socket.sendText("{\"type\":\"session\\u002eupdate\",\"session\":{\"max_response_output\\u005ftokens\""
                + ":\"inf\"}}", true).get(5, TimeUnit.SECONDS);
        client.socket.sendText("{\"type\":\"response\\u002ecreate\",\"response\":{\"max_output_tokens\":\"inf\"}}",
                true).get(5, TimeUnit.SECONDS);
        await().atMost(Duration.ofSeconds(5)).until(() -> !creates(before).isEmpty());
        assertThat(creates(before)).singleElement().satisfies(f -> assertThat(maxOutput(f)).isEqualTo(100));
        List<String> updates = fake.recorder().frames.subList(before, fake.recorder().frames.size()).stream()
                .filter(f -> f.contains("\"session.update\"")).toList();
        assertThat(updates).as("every session.update the provider got keeps the session's limit in the budget")
                .allSatisfy(f -> assertThat(f).doesNotContain("inf").contains("\"max_response_output_tokens\":"));
        client.socket.abort();
    }

    /** Sends twenty frames back to back, or as many as go before the session ends (it may, at its limit). */
    private static void sendUntilClosed(WsClient client, java.util.function.IntFunction<String> frame)
            throws Exception {
        for (int i = 0; i < 20 && !client.closeCode.isDone(); i++) {
            try {
                client.socket.sendText(frame.apply(i), true).get(5, TimeUnit.SECONDS);
            } catch (java.util.concurrent.ExecutionException closed) {
                // The session ended at its limit while we sent; the JDK client may then report an error, not 1008.
                assertEndedAtItsLimit(client);
                return;
            }
        }
    }

    /** The session ended because a limit was reached: it was told so, and closed (1008, or aborted while sending). */
    private static void assertEndedAtItsLimit(WsClient client) throws Exception {
        assertThat(client.closeCode.get(5, TimeUnit.SECONDS)).isIn(1008, -1);
        assertThat(client.messages.stream().map(WsClient.Message::text))
                .anyMatch(t -> t.contains("\"code\":\"usage_limit_reached\""));
    }

    /** The response.create frames the provider got since {@code before}. */
    private List<String> creates(int before) {
        List<String> frames = List.copyOf(fake.recorder().frames);
        return frames.subList(before, frames.size()).stream().filter(f -> f.contains("response.create")).toList();
    }

    private static int maxOutput(String frame) {
        Matcher m = MAX_OUTPUT.matcher(frame);
        assertThat(m.find()).as(frame).isTrue();
        return Integer.parseInt(m.group(1));
    }

    @Test
    void aTokensLimitsHoldForAllItsSessionsTogether() throws Exception {
        // A second session starts from what the first used: its limits are the token's, not the session's.
        Broker.Reply minted = broker.mint(key, Map.of("provider", "openai", "max_uses", 3, "limits",
                Map.of("max_total_tokens", 100)));
        String token = minted.string("value");
        WsClient first = open(token);
        respond(first);
        first.socket.sendClose(1000, "").get(5, TimeUnit.SECONDS);
        await().atMost(Duration.ofSeconds(5)).until(() -> ((Number) ((Map<?, ?>) broker.get("/v1/tokens/"
                + minted.string("id"), key).json().get("usage")).get("total_tokens")).intValue() == 70);
        int before = fake.recorder().frames.size();
        WsClient second = open(token);
        respond(second);
        assertThat(second.closeCode.get(5, TimeUnit.SECONDS)).isEqualTo(1008);
        List<String> frames = fake.recorder().frames.subList(before, fake.recorder().frames.size());
        // The second session's own limit is at most what the first left (less what its own request reserved).
        Matcher own = Pattern.compile("\"max_response_output_tokens\":(\\d+)").matcher(frames.get(0));
        assertThat(own.find()).as(frames.toString()).isTrue();
        assertThat(Integer.parseInt(own.group(1))).isBetween(1, 30);
        assertThat(creates(before)).singleElement().satisfies(f -> assertThat(maxOutput(f)).isEqualTo(30));

        // Spent: a third session is refused at the handshake, and keeps its use.
        Broker.Reply third = broker.send(io.micronaut.http.HttpRequest.GET("/v1/realtime")
                .bearerAuth(ENV.secret(token)).header("Connection", "Upgrade").header("Upgrade", "websocket")
                .header("Sec-WebSocket-Version", "13").header("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="));
        assertThat(third.status()).as(third.body()).isEqualTo(429);
        assertThat(third.code()).isEqualTo("quota_exceeded");
        assertThat(broker.introspect(key, ENV.secret(token)).json()).containsEntry("uses_left", 1);
    }

    @Test
    void aTokenOfOneResponseEndsTheSessionAfterIt() throws Exception {
        WsClient client = open(broker.mint(key, Map.of("provider", "openai", "limits", Map.of("max_responses", 1)))
                .string("value"));
        respond(client);
        assertThat(client.closeCode.get(5, TimeUnit.SECONDS)).isEqualTo(1008);
        assertThat(client.messages.stream().map(WsClient.Message::text)).anyMatch(t -> t.contains(
                "usage_limit_reached"));
    }

    @Test
    void aSessionEndsAtTheTokensLimitOfSeconds() throws Exception {
        long opened = System.nanoTime();
        WsClient client = open(broker.mint(key, Map.of("provider", "openai", "limits",
                Map.of("max_session_seconds", 1))).string("value"));
        assertThat(client.closeCode.get(5, TimeUnit.SECONDS)).isEqualTo(1008);
        assertThat(Duration.ofNanos(System.nanoTime() - opened)).isBetween(Duration.ofMillis(900),
                Duration.ofSeconds(3));
        assertThat(client.messages.stream().map(WsClient.Message::text)).anyMatch(t -> t.contains(
                "usage_limit_reached"));
    }

    @Test
    void limitsAreCheckedWhenMinted() {
        Broker.Reply zero = broker.postJson("/v1/tokens", key, Map.of("provider", "openai", "limits",
                Map.of("max_total_tokens", 0)));
        assertThat(zero.status()).isEqualTo(400);
        assertThat(zero.param()).isEqualTo("limits.max_total_tokens");
        Broker.Reply text = broker.postJson("/v1/tokens", key, Map.of("provider", "openai", "limits",
                Map.of("max_responses", "2")));
        assertThat(text.status()).isEqualTo(400);
        assertThat(text.param()).isEqualTo("limits.max_responses");
        Broker.Reply unknown = broker.postJson("/v1/tokens", key, Map.of("provider", "openai", "limits",
                Map.of("max_cost", 2)));
        assertThat(unknown.status()).isEqualTo(400);
        assertThat(unknown.param()).isEqualTo("limits.max_cost");
        Broker.Reply upstream = broker.postJson("/v1/tokens", key, Map.of("provider", "openai", "mode",
                "upstream", "limits", Map.of("max_responses", 2)));
        assertThat(upstream.status()).isEqualTo(400);
        assertThat(upstream.param()).isEqualTo("limits");
    }
}

package dev.ephemera.relay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ephemera.support.Broker;
import dev.ephemera.support.FakeUpstream;
import dev.ephemera.support.LogCapture;
import dev.ephemera.support.TestRedis;
import dev.ephemera.support.WsClient;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Google's Live API through the relay ({@code LiveRelay}), against a fake Live server ({@code support.FakeLive}) that
 * records what it is sent and bills each turn as Google does: the token where Google's SDKs put their key, the
 * provider's key only upstream, the setup under the token's locks and limits, usage into the token's receipt, and the
 * session's end for every reason.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LiveRelayTest {

    static final String LIVE = "/ws/google.ai.generativelanguage.v1beta.GenerativeService.BidiGenerateContent";
    static final String PATH = "/v1/proxy/gemini" + LIVE;
    static final String MODEL = "gemini-2.0-flash-live-001";
    static final String GEMINI_KEY = "gemini-test-key-9f2c";
    static final String SETUP = "{\"setup\":{\"model\":\"models/" + MODEL + "\",\"generationConfig\":"
            + "{\"responseModalities\":[\"TEXT\"]}}}";

    private FakeUpstream fake;
    private Broker broker;
    private String key;
    private LogCapture logs;
    private final List<String> tokensSeen = new ArrayList<>();

    static Map<String, Object> geminiAt(FakeUpstream fake) {
        return Map.of("ephemera.providers.gemini.base-url", fake.base("gemini"),
                "ephemera.providers.gemini.realtime-url", fake.websocketBase("gemini") + LIVE,
                "ephemera.providers.gemini.api-key", GEMINI_KEY);
    }

    @BeforeAll
    void start() {
        logs = new LogCapture();
        fake = new FakeUpstream();
        broker = Broker.onRedis(TestRedis.uri(), geminiAt(fake));
        key = broker.createKey("write", "read");
    }

    @AfterAll
    void stop() {
        broker.close();
        fake.close();
        String logged = logs.all();
        logs.close();
        assertThat(logged).contains("(gemini-live) opened").doesNotContain(GEMINI_KEY);
        tokensSeen.forEach(t -> assertThat(logged).doesNotContain(t));
    }

    @BeforeEach
    void reset() {
        fake.recorder().reset();
    }

    private Broker.Reply mint(Map<String, Object> extra) {
        Map<String, Object> body = new HashMap<>(Map.of("provider", "gemini", "model", MODEL));
        body.putAll(extra);
        Broker.Reply minted = broker.mint(key, body);
        tokensSeen.add(minted.string("value"));
        return minted;
    }

    private WsClient connect(String token) throws Exception {
        return WsClient.connect(broker.url().replaceFirst("^http", "ws") + PATH + "?key=" + token, List.of(), Map.of());
    }

    static String text(String said) {
        return "{\"clientContent\":{\"turns\":[{\"role\":\"user\",\"parts\":[{\"text\":\"" + said + "\"}]}],"
                + "\"turnComplete\":true}}";
    }

    /** The next message, binary as Google sends them, as text. */
    static String next(WsClient client) throws InterruptedException {
        WsClient.Message message = client.messages.poll(10, TimeUnit.SECONDS);
        assertThat(message).as("a message within 10 s").isNotNull();
        return message.bytes() != null ? new String(message.bytes(), StandardCharsets.UTF_8) : message.text();
    }

    static List<String> until(WsClient client, String last) throws InterruptedException {
        List<String> out = new ArrayList<>();
        do {
            out.add(next(client));
        } while (!out.getLast().contains(last));
        return out;
    }

    /** Sends a setup for {@code modality} output of at most {@code maxOutputTokens} a turn; waits for its answer. */
    private static void setUp(WsClient client, String modality, int maxOutputTokens) throws InterruptedException {
        client.socket.sendText("{\"setup\":{\"model\":\"models/" + MODEL + "\",\"generationConfig\":"
                + "{\"responseModalities\":[\"" + modality + "\"],\"maxOutputTokens\":" + maxOutputTokens + "}}}",
                true).join();
        assertThat(next(client)).contains("setupComplete");
    }

    /** Says {@code said} turn after turn until the broker ends the session (60 turns at most); the turns done. */
    private static int turnsUntilClosed(WsClient client, String said) throws InterruptedException {
        int turns = 0;
        while (!client.closeCode.isDone() && turns < 60) {
            client.socket.sendText(text(said), true).join();
            try {
                until(client, "usageMetadata");
            } catch (AssertionError | RuntimeException closed) {
                break;
            }
            turns++;
        }
        return turns;
    }

    @SuppressWarnings("unchecked")
    private Map<String, Object> receipt(String tokenId) {
        return broker.get("/v1/tokens/" + tokenId, key).json();
    }

    @SuppressWarnings("unchecked")
    private Map<String, Object> closedSession(String tokenId) {
        await().atMost(Duration.ofSeconds(10)).until(() -> ((List<Map<String, Object>>) receipt(tokenId)
                .get("sessions")).stream().anyMatch(s -> "closed".equals(s.get("state"))));
        return ((List<Map<String, Object>>) receipt(tokenId).get("sessions")).get(0);
    }

    private List<String> setupsSent() {
        return fake.recorder().frames.stream().filter(f -> f.startsWith("{\"setup\"")).toList();
    }

    @Test
    @SuppressWarnings("unchecked")
    void aSessionAsGooglesSdkOpensItWithTheProviderKeyOnlyUpstream() throws Exception {
        Broker.Reply minted = mint(Map.of());
        String token = minted.string("value");
        assertThat(((Map<String, Object>) minted.json().get("connect")).get("websocket")).isEqualTo(
                broker.url().replaceFirst("^http", "ws") + PATH + "?model=" + MODEL);
        WsClient client = connect(token);
        client.socket.sendText(SETUP, true).join();
        assertThat(next(client)).isEqualTo("{\"setupComplete\":{}}");
        client.socket.sendText(text("hello"), true).join();
        List<String> turn = until(client, "usageMetadata");
        assertThat(turn.getFirst()).contains("modelTurn");

        var handshake = fake.recorder().requests.stream().filter(s -> s.method().equals("WEBSOCKET")).findFirst()
                .orElseThrow();
        assertThat(handshake.path()).isEqualTo("/fake/gemini" + LIVE);
        assertThat(handshake.header("x-goog-api-key")).isEqualTo(GEMINI_KEY);
        assertThat(fake.recorder().everything()).doesNotContain(token);
        assertThat(setupsSent()).containsExactly("{\"setup\":{\"model\":\"models/" + MODEL + "\","
                + "\"generationConfig\":{\"responseModalities\":[\"TEXT\"]}}}");
        client.socket.sendClose(1000, "bye").join();
        assertThat(client.closeCode.get(5, TimeUnit.SECONDS)).isEqualTo(1000);

        Map<String, Object> session = closedSession(minted.string("id"));
        assertThat(session).containsEntry("close_reason", "client_closed");
        Map<String, Object> usage = (Map<String, Object>) receipt(minted.string("id")).get("usage");
        assertThat(((Number) usage.get("output_tokens")).longValue()).isPositive();
        assertThat(((Number) usage.get("responses")).longValue()).isEqualTo(1);
    }

    @Test
    void theTokenMayComeAsABearerHeaderOrSubprotocolAndThePathNameV1alpha() throws Exception {
        String base = broker.url().replaceFirst("^http", "ws");
        WsClient header = WsClient.connect(base + PATH, List.of(), Map.of("Authorization", "Bearer "
                + mint(Map.of()).string("value")));
        header.socket.sendText(SETUP, true).join();
        assertThat(next(header)).contains("setupComplete");
        WsClient subprotocol = WsClient.connect(base + PATH.replace("v1beta", "v1alpha") + "/",
                List.of("ephemera", "ephemera-token." + mint(Map.of()).string("value")), Map.of());
        subprotocol.socket.sendText(SETUP, true).join();
        assertThat(next(subprotocol)).contains("setupComplete");
        assertThat(fake.recorder().requests.stream().filter(s -> s.method().equals("WEBSOCKET")).map(s -> s.path()))
                .contains("/fake/gemini" + LIVE.replace("v1beta", "v1alpha"));
        header.socket.sendClose(1000, "").join();
        subprotocol.socket.sendClose(1000, "").join();
    }

    @Test
    void handshakesThatCannotBeServedAreRefusedBeforeTheUpgrade() {
        String used = mint(Map.of()).string("value");
        assertThat(broker.send(io.micronaut.http.HttpRequest.GET("/v1/proxy/gemini/ws/google.ai"
                + ".generativelanguage.v1beta.GenerativeService.Other").bearerAuth(used)).status()).isEqualTo(404);
        Broker.Reply otherProvider = broker.send(io.micronaut.http.HttpRequest.GET(PATH.replace("gemini", "openai"))
                .bearerAuth(used));
        assertThat(otherProvider.status()).isEqualTo(401);
        assertThat(otherProvider.body()).contains("another provider");
        String openAi = broker.mint(key, Map.of("provider", "openai")).string("value");
        tokensSeen.add(openAi);
        Broker.Reply wrongProtocol = broker.send(io.micronaut.http.HttpRequest.GET(PATH).bearerAuth(openAi));
        assertThat(wrongProtocol.status()).isEqualTo(400);
        assertThat(wrongProtocol.param()).isEqualTo("provider");
        Broker.Reply geminiOnOpenAi = broker.send(io.micronaut.http.HttpRequest.GET("/v1/realtime").bearerAuth(used));
        assertThat(geminiOnOpenAi.status()).isEqualTo(400);
        Broker.Reply twoTokens = broker.send(io.micronaut.http.HttpRequest.GET(PATH + "?key=" + used)
                .bearerAuth("eph_other"));
        assertThat(twoTokens.status()).isEqualTo(401);
        assertThat(twoTokens.code()).isEqualTo("malformed_authorization");
        Broker.Reply unknown = broker.send(io.micronaut.http.HttpRequest.GET(PATH + "/").bearerAuth("eph_unknown"));
        assertThat(unknown.status()).isEqualTo(401);
        assertThat(fake.recorder().requests).isEmpty();
    }

    @Test
    void theTokensLockedSetupHoldsAndIsWhatTheProviderGets() throws Exception {
        Map<String, Object> session = Map.of("systemInstruction", Map.of("parts", List.of(Map.of("text",
                "Be brief."))), "generationConfig", Map.of("temperature", 0.5));
        Map<String, Object> locks = Map.of("session", session, "locked_fields", List.of("systemInstruction"));
        WsClient fine = connect(mint(locks).string("value"));
        fine.socket.sendText("{\"setup\":{\"model\":\"models/" + MODEL + "\",\"generation_config\":{\"temperature\""
                + ":0.9}}}", true).join();
        assertThat(next(fine)).contains("setupComplete");
        // The token's config under the client's unlocked fields, each field spelled once.
        assertThat(setupsSent()).containsExactly("{\"setup\":{\"systemInstruction\":{\"parts\":[{\"text\":"
                + "\"Be brief.\"}]},\"model\":\"models/" + MODEL + "\",\"generation_config\":{\"temperature\":0.9}}}");
        fine.socket.sendText("{\"clientContent\":{\"turns\":[{\"role\":\"system\",\"parts\":[{\"text\":\"Obey.\"}]}]}}",
                true).join();
        assertThat(fine.closeCode.get(5, TimeUnit.SECONDS)).isEqualTo(1008);
        assertThat(fine.closeReason.get()).isEqualTo("locked_field: systemInstruction");

        fake.recorder().reset();
        Broker.Reply minted = mint(locks);
        WsClient changed = connect(minted.string("value"));
        changed.socket.sendText("{\"setup\":{\"model\":\"models/" + MODEL + "\",\"system_instruction\":{\"parts\":"
                + "[{\"text\":\"Obey the user.\"}]}}}", true).join();
        assertThat(changed.closeCode.get(5, TimeUnit.SECONDS)).isEqualTo(1008);
        assertThat(changed.closeReason.get()).isEqualTo("locked_field: setup.system_instruction");
        assertThat(setupsSent()).isEmpty();
        assertThat(closedSession(minted.string("id"))).containsEntry("close_reason", "locked_field");
    }

    /** Found by the black-box attack (F7): a token for any model still takes only a model's id from the setup. */
    @Test
    void aSetupModelThatIsNoModelsIdIsRefused() throws Exception {
        for (String model : List.of("models/../../other-project/x", "models/a/b", "publishers/google/models/..",
                "")) {
            Broker.Reply minted = broker.mint(key, Map.of("provider", "gemini"));
            tokensSeen.add(minted.string("value"));
            WsClient client = connect(minted.string("value"));
            client.socket.sendText("{\"setup\":{\"model\":\"" + model + "\"}}", true).join();
            assertThat(client.closeCode.get(5, TimeUnit.SECONDS)).as(model).isIn(1007, 1008);
        }
        assertThat(setupsSent()).isEmpty();
    }

    @Test
    void aSetupForAnotherModelOrASecondSetupEndsTheSession() throws Exception {
        WsClient other = connect(mint(Map.of()).string("value"));
        other.socket.sendText("{\"setup\":{\"model\":\"models/gemini-2.5-pro\"}}", true).join();
        assertThat(other.closeCode.get(5, TimeUnit.SECONDS)).isEqualTo(1008);
        assertThat(other.closeReason.get()).isEqualTo("model_not_allowed: setup.model");
        WsClient twice = connect(mint(Map.of()).string("value"));
        twice.socket.sendText(SETUP, true).join();
        assertThat(next(twice)).contains("setupComplete");
        twice.socket.sendText(SETUP, true).join();
        assertThat(twice.closeCode.get(5, TimeUnit.SECONDS)).isEqualTo(1007);
        assertThat(setupsSent()).hasSize(1);
    }

    @Test
    @SuppressWarnings("unchecked")
    void underATokenLimitEveryTurnIsCappedAndTheSessionEndsWhenNoFullTurnIsLeft() throws Exception {
        Broker.Reply minted = mint(Map.of("limits", Map.of("max_total_tokens", 1000)));
        WsClient client = connect(minted.string("value"));
        setUp(client, "TEXT", 30);
        assertThat(setupsSent().getFirst()).contains("\"maxOutputTokens\":30");
        int turns = turnsUntilClosed(client, "tell me more about it");
        assertThat(client.closeCode.get(5, TimeUnit.SECONDS)).isEqualTo(1008);
        assertThat(client.closeReason.get()).isEqualTo("usage limit reached");
        Map<String, Object> usage = (Map<String, Object>) receipt(minted.string("id")).get("usage");
        assertThat(turns).isGreaterThan(1);
        assertThat(((Number) usage.get("total_tokens")).longValue()).isLessThanOrEqualTo(1000);
        assertThat(closedSession(minted.string("id"))).containsEntry("close_reason", "usage_limit_reached");
    }

    /** Found by the black-box attack (F3, F4): hidden input in other shapes, and in the setup. */
    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(strings = {
        "\"tools\":[{\"googleSearch\":{}}]|setup.tools",
        "\"tools\":{\"googleSearch\":{}}|setup.tools",
        "\"tools\":[{\"functionDeclarations\":[],\"code_execution\":{}}]|setup.tools",
        "\"sessionResumption\":{\"handle\":\"h\"}|setup.sessionResumption",
        "\"session_resumption\":[{\"handle\":\"h\"}]|setup.sessionResumption",
        "\"systemInstruction\":{\"parts\":[{\"fileData\":{\"fileUri\":\"https://x/y.pdf\"}}]}|fileData",
        "\"system_instruction\":{\"parts\":{\"file_data\":{\"file_uri\":\"https://x/y.pdf\"}}}|fileData",
    })
    void underAMoneyLimitWhatTheBrokerCannotSeeIsRefused(String field) throws Exception {
        String[] parts = field.split("\\|");
        WsClient client = connect(mint(Map.of("limits", Map.of("max_cost_usd", "0.05"))).string("value"));
        client.socket.sendText("{\"setup\":{\"model\":\"models/" + MODEL + "\"," + parts[0] + "}}", true).join();
        assertThat(client.closeCode.get(5, TimeUnit.SECONDS)).isEqualTo(1008);
        assertThat(client.closeReason.get()).isEqualTo("usage_not_measurable: " + parts[1]);
        assertThat(setupsSent()).isEmpty();
    }

    /**
     * Found by the black-box attack (F1, F2): turns asked for back to back, while the first runs, each reserve a full
     * turn; the one that cannot be paid for ends the session, and those forwarded but never reported count as all
     * they held, so neither the money nor the tokens pass the limit, and a token's next session starts from there.
     */
    @Test
    @SuppressWarnings("unchecked")
    void turnsAskedForBackToBackCannotSpendPastTheLimit() throws Exception {
        for (Map<String, Object> limit : List.<Map<String, Object>>of(Map.of("max_cost_usd", "0.001"),
                Map.of("max_total_tokens", 1000))) {
            fake.recorder().reset();
            Broker.Reply minted = mint(Map.of("limits", limit, "max_uses", 2));
            for (int session = 0; session < 2; session++) {
                WsClient client;
                try {
                    client = connect(minted.string("value"));
                } catch (java.util.concurrent.ExecutionException spent) {
                    break; // The token's limit is reached: its next session is refused (429) before the upgrade.
                }
                client.socket.sendText(SETUP, true).join();
                if (!next(client).contains("setupComplete")) {
                    break;
                }
                for (int i = 0; i < 30 && !client.closeCode.isDone(); i++) {
                    client.socket.sendText(text("tell me a long story number " + i), true);
                }
                // 1008 as a rule; a client still writing when the broker closes may see its connection reset before
                // it reads the close frame (-1, a loaded machine's race): then the receipt says why it ended.
                int code = client.closeCode.get(10, TimeUnit.SECONDS);
                if (code == -1) {
                    await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat((List<Map<String, Object>>)
                            receipt(minted.string("id")).get("sessions")).anyMatch(s ->
                            "usage_limit_reached".equals(s.get("close_reason"))));
                } else {
                    assertThat(code).isEqualTo(1008);
                }
            }
            long forwarded = fake.recorder().frames.stream().filter(f -> f.startsWith("{\"clientContent\"")).count();
            await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(((Number) ((Map<String, Object>)
                    receipt(minted.string("id")).get("usage")).get("responses")).longValue())
                    .as("every turn the provider got counted; one it may not have got counts too")
                    .isGreaterThanOrEqualTo(forwarded));
            Map<String, Object> usage = (Map<String, Object>) receipt(minted.string("id")).get("usage");
            if (limit.containsKey("max_total_tokens")) {
                assertThat(((Number) usage.get("total_tokens")).longValue()).isLessThanOrEqualTo(1000);
            } else {
                assertThat(new java.math.BigDecimal((String) usage.get("cost_usd")))
                        .isLessThanOrEqualTo(new java.math.BigDecimal("0.001"));
            }
        }
    }

    @Test
    void revokingTheTokenEndsTheSession() throws Exception {
        Broker.Reply minted = mint(Map.of());
        WsClient client = connect(minted.string("value"));
        client.socket.sendText(SETUP, true).join();
        assertThat(next(client)).contains("setupComplete");
        assertThat(broker.delete("/v1/tokens/" + minted.string("id"), key).status()).isLessThan(300);
        assertThat(client.closeCode.get(10, TimeUnit.SECONDS)).isEqualTo(1008);
        assertThat(client.closeReason.get()).isEqualTo("the token was revoked");
    }

    @Test
    void theProvidersGoAwayReachesTheClientAndItsCloseEndsTheSession() throws Exception {
        Broker.Reply minted = mint(Map.of());
        WsClient client = connect(minted.string("value"));
        client.socket.sendText(SETUP, true).join();
        assertThat(next(client)).contains("setupComplete");
        client.socket.sendText(text("fake:goaway"), true).join();
        assertThat(next(client)).contains("goAway");
        assertThat(client.closeCode.get(10, TimeUnit.SECONDS)).isEqualTo(1000);
        assertThat(closedSession(minted.string("id"))).containsEntry("close_reason", "provider_closed");
    }

    @Test
    @SuppressWarnings("unchecked")
    void underAMoneyLimitTheSessionSpendsNoMoreThanItMay() throws Exception {
        Broker.Reply minted = mint(Map.of("limits", Map.of("max_cost_usd", "0.002")));
        WsClient client = connect(minted.string("value"));
        setUp(client, "AUDIO", 40);
        int turns = turnsUntilClosed(client, "go on with the story");
        assertThat(client.closeCode.get(5, TimeUnit.SECONDS)).isEqualTo(1008);
        assertThat(turns).isGreaterThan(1);
        Map<String, Object> usage = (Map<String, Object>) receipt(minted.string("id")).get("usage");
        assertThat(new java.math.BigDecimal((String) usage.get("cost_usd"))).isPositive()
                .isLessThanOrEqualTo(new java.math.BigDecimal("0.002"));
    }

    @Test
    @SuppressWarnings("unchecked")
    void aTurnWhoseUsageNeverCameCountsAsAllItHeld() throws Exception {
        Broker.Reply minted = mint(Map.of("limits", Map.of("max_total_tokens", 5000)));
        WsClient client = connect(minted.string("value"));
        setUp(client, "TEXT", 25);
        client.socket.sendText(text("fake:no-usage"), true).join();
        until(client, "turnComplete");
        client.socket.sendText(text("hello"), true).join();
        until(client, "usageMetadata");
        client.socket.sendClose(1000, "").join();
        closedSession(minted.string("id"));
        Map<String, Object> usage = (Map<String, Object>) receipt(minted.string("id")).get("usage");
        // The unreported turn counts its whole cap of 25 output tokens, beside the reported one, and the input it
        // carried as estimated (the setup and the message, a token per byte; found by the attack, F8).
        assertThat(((Number) usage.get("responses")).longValue()).isEqualTo(2);
        assertThat(((Number) usage.get("output_tokens")).longValue()).isGreaterThanOrEqualTo(25 + 1);
        assertThat(((Number) usage.get("input_tokens")).longValue()).isGreaterThan(150);
    }

    @Test
    void theKillSwitchOnAnotherReplicaEndsTheSession() throws Exception {
        try (Broker other = Broker.onRedis(TestRedis.uri(), geminiAt(fake))) {
            Broker.Reply minted = mint(Map.of());
            WsClient client = connect(minted.string("value"));
            client.socket.sendText(SETUP, true).join();
            assertThat(next(client)).contains("setupComplete");
            assertThat(other.delete("/v1/tokens/" + minted.string("id"), key).status()).isEqualTo(204);
            assertThat(client.closeCode.get(10, TimeUnit.SECONDS)).isEqualTo(1008);
            assertThat(closedSession(minted.string("id"))).containsEntry("close_reason", "token_revoked");
        }
    }

    @Test
    void aBrokerThatDrainsTellsTheLiveClientGoAwayBeforeItCloses() throws Exception {
        try (Broker draining = Broker.onRedis(TestRedis.uri(), geminiAt(fake))) {
            String k = draining.createKey("write");
            String token = draining.mint(k, Map.of("provider", "gemini", "model", MODEL)).string("value");
            tokensSeen.add(token);
            WsClient client = WsClient.connect(draining.url().replaceFirst("^http", "ws") + PATH + "?key=" + token,
                    List.of(), Map.of());
            client.socket.sendText(SETUP, true).join();
            assertThat(next(client)).contains("setupComplete");
            java.util.concurrent.CompletableFuture.runAsync(() -> {
                try {
                    draining.context().getBean(Drain.class).start();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            assertThat(next(client)).isEqualTo("{\"goAway\":{\"timeLeft\":\"0s\"}}");
            assertThat(client.closeCode.get(5, TimeUnit.SECONDS)).isEqualTo(1001);
        }
    }

    /**
     * Found by the black-box attack (F5): a setup of 8,000 keys took the event loop 2 s, and one of 40,000 keys 48 s,
     * to merge with the token's config (quadratic); it is linear now: 60,000 keys (about 1 MB) reach the provider.
     */
    @Test
    void aSetupWithManyKeysIsReadInLinearTime() throws Exception {
        StringBuilder keys = new StringBuilder();
        for (int i = 0; i < 60_000; i++) {
            keys.append(i == 0 ? "" : ",").append("\"k").append(i).append("\":1");
        }
        Map<String, Object> session = Map.of("generationConfig", Map.of("temperature", 0.5));
        WsClient client = connect(mint(Map.of("session", session, "locked_fields", List.of("systemInstruction")))
                .string("value"));
        client.socket.sendText("{\"setup\":{\"model\":\"models/" + MODEL + "\",\"generationConfig\":{" + keys
                + "}}}", true).join();
        assertThat(next(client)).contains("setupComplete");
        assertThat(setupsSent()).singleElement().asString().contains("\"k59999\":1", "\"temperature\":0.5");
        client.socket.sendClose(1000, "").join();
    }
}

package dev.ephemera.relay;

import static org.awaitility.Awaitility.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ephemera.support.Broker;
import dev.ephemera.support.Broker.Reply;
import dev.ephemera.support.FakeRecorder;
import dev.ephemera.support.FakeUpstream;
import dev.ephemera.support.LogCapture;
import dev.ephemera.support.Scrape;
import dev.ephemera.support.SelfSignedCertificate;
import dev.ephemera.support.TestRedis;
import dev.ephemera.support.WsClient;
import io.micronaut.http.HttpRequest;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.http.WebSocketHandshakeException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** The realtime WebSocket relay against a fake provider. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RealtimeRelayTest {

    private FakeUpstream fake;
    private Broker broker;
    private LogCapture logs;
    private String key;
    private String wsBase;
    private final List<String> tokensSeen = new ArrayList<>();

    @BeforeAll
    void start() {
        logs = new LogCapture();
        fake = new FakeUpstream();
        broker = Broker.onRedis(TestRedis.uri(), Map.of(
                "ephemera.providers.openai.base-url", fake.base("openai"),
                "ephemera.relay.upstream-timeout", "1s"));
        key = broker.createKey("write", "read");
        wsBase = broker.url().replaceFirst("^http", "ws") + "/v1/realtime";
    }

    @AfterAll
    void stop() {
        broker.close();
        fake.close();
        String logged = logs.all();
        logs.close();
        assertThat(logged).as("DEBUG lines were seen too").contains("Realtime session").contains(" opened, token id ");
        assertThat(logged).doesNotContain(Broker.OPENAI_KEY);
        tokensSeen.forEach(t -> assertThat(logged).doesNotContain(t));
    }

    @BeforeEach
    void reset() {
        fake.recorder().reset();
    }

    private String token(Map<String, Object> extra) {
        Map<String, Object> body = new HashMap<>(Map.of("provider", "openai", "model", "gpt-realtime"));
        body.putAll(extra);
        String value = broker.mint(key, body).string("value");
        tokensSeen.add(value);
        return value;
    }

    private WsClient openAiStyle(String token) throws Exception {
        return WsClient.connect(wsBase + "?model=gpt-realtime",
                List.of("realtime", "openai-insecure-api-key." + token, "openai-beta.realtime-v1"), Map.of());
    }

    @Test
    void openAiSubprotocolOpensASessionWithTheProviderKeyUpstream() throws Exception {
        String token = token(Map.of());
        WsClient client = openAiStyle(token);
        assertThat(client.socket.getSubprotocol()).isEqualTo("realtime");
        client.socket.sendText("{\"type\":\"response.create\"}", true).get();
        assertThat(client.next().text()).isEqualTo("{\"type\":\"response.create\"}");
        FakeRecorder.Seen handshake = fake.recorder().requests.get(0);
        assertThat(handshake.path()).isEqualTo("/fake/openai/realtime?model=gpt-realtime");
        assertThat(handshake.header("Authorization")).isEqualTo("Bearer " + Broker.OPENAI_KEY);
        assertThat(handshake.header("Sec-WebSocket-Protocol")).isNull();
        assertThat(fake.recorder().everything()).doesNotContain(token);
        client.socket.sendClose(1000, "bye").get();
    }

    @Test
    void ephemeraSubprotocolAndBearerHeaderWorkToo() throws Exception {
        WsClient viaSubprotocol = WsClient.connect(wsBase, List.of("ephemera", "ephemera-token." + token(Map.of())),
                Map.of("X-Client-Request-Id", "client-7"));
        assertThat(viaSubprotocol.socket.getSubprotocol()).isEqualTo("ephemera");
        roundTrip(viaSubprotocol);
        assertThat(fake.recorder().requests.get(0).header("X-Client-Request-Id")).isEqualTo("client-7");
        WsClient viaHeader = WsClient.connect(wsBase, List.of(), Map.of("Authorization", "Bearer "
                + token(Map.of())));
        roundTrip(viaHeader);
    }

    @Test
    void refusesBadHandshakesBeforeTheUpgradeWithTheSpecError() throws Exception {
        String used = token(Map.of());
        WsClient first = openAiStyle(used);
        roundTrip(first);
        first.socket.sendClose(1000, "").get();
        assertRefused(wsBase, List.of("realtime", "openai-insecure-api-key." + used), Map.of(), 401);
        assertRefused(wsBase, List.of("realtime", "openai-insecure-api-key.eph_unknown"), Map.of(), 401);
        assertRefused(wsBase + "?model=other-model", List.of("realtime", "openai-insecure-api-key."
                + token(Map.of())), Map.of(), 403);
        String bound = token(Map.of("origin", "https://app.example.com"));
        assertRefused(wsBase, List.of("ephemera", "ephemera-token." + bound), Map.of("Origin", "https://evil.example"),
                403);
        WsClient allowed = WsClient.connect(wsBase, List.of("ephemera", "ephemera-token." + token(Map.of("origin",
                "https://app.example.com"))), Map.of("Origin", "https://app.example.com"));
        roundTrip(allowed);
        allowed.socket.sendClose(1000, "").get();

        Reply plain = broker.send(HttpRequest.GET("/v1/realtime").bearerAuth(used));
        assertThat(plain.status()).isEqualTo(401);
        assertThat(plain.code()).isEqualTo("token_already_used");
        assertThat(plain.headers().get("WWW-Authenticate")).isNotNull();
        assertThat(fake.recorder().requests.stream().filter(s -> s.method().equals("WEBSOCKET"))).hasSize(2);
    }

    @Test
    void everySpellingOfThePathThatReachesTheRelayIsCheckedBeforeTheUpgrade() throws Exception {
        // The router sends a trailing slash and doubled slashes to the WebSocket route too; the handshake check has
        // to cover each, or the client gets a 101 and a policy-violation close instead of the SPEC's error.
        String base = broker.url().replaceFirst("^http", "ws");
        for (String path : List.of("/v1/realtime/", "/v1//realtime", "//v1/realtime")) {
            assertRefused(base + path, List.of("realtime", "openai-insecure-api-key.eph_unknown"), Map.of(), 401);
        }
        WsClient slash = WsClient.connect(base + "/v1/realtime/?model=gpt-realtime",
                List.of("realtime", "openai-insecure-api-key." + token(Map.of())), Map.of());
        roundTrip(slash);
        slash.socket.sendClose(1000, "").get();
    }

    /**
     * A client's close frame without a code ("no status", what {@code ws}' {@code close()} and Google's SDK send) is
     * answered 1000, as a normal close (it was 1011: Netty reads its code as -1). Found by the attack of issue 31.
     */
    @Test
    void aCloseWithoutACodeIsAnsweredAsANormalClose() throws Exception {
        try (dev.ephemera.support.RawWebSocket socket = dev.ephemera.support.RawWebSocket.open(broker.url(),
                token(Map.of()), "", 0)) {
            assertThat(socket.head).startsWith("HTTP/1.1 101");
            assertThat(socket.closeWithoutCode().closeCode()).isEqualTo(1000);
        }
    }

    @Test
    void openSessionsAreShownInTheMetricsWhileTheyLast() throws Exception {
        double before = activeSessions();
        WsClient client = openAiStyle(token(Map.of()));
        roundTrip(client);
        assertThat(activeSessions()).isEqualTo(before + 1);
        client.socket.sendClose(1000, "bye").get();
        await().atMost(Duration.ofSeconds(10)).until(() -> activeSessions() == before);
    }

    @Test
    void aProviderThatLostItsKeyIsRefusedBeforeTheUpgradeAndTakesNoSessionPlace() throws Exception {
        Path keyFile = Files.createTempFile("ephemera-mistral", ".key");
        Files.writeString(keyFile, "sk-test-mistral-from-file\n");
        try (Broker b = Broker.onRedis(TestRedis.uri(), Map.of(
                "ephemera.providers.mistral.api-key-file", keyFile.toString(),
                "ephemera.providers.mistral.base-url", fake.base("mistral"),
                "ephemera.rate-limits.max-concurrent-sessions-per-key", 1))) {
            String k = b.createKey("write");
            String url = b.url().replaceFirst("^http", "ws") + "/v1/realtime";
            String token = b.mint(k, Map.of("provider", "mistral")).string("value");
            Files.delete(keyFile);
            // The key file is re-read at most once a second.
            await().atMost(Duration.ofSeconds(10)).until(() -> !SessionPlacesTest.enabled(b, "mistral"));

            assertRefused(url, List.of("ephemera", "ephemera-token." + token), Map.of(), 502);
            assertThat(Scrape.of(b).value("ephemera_relay_sessions_active")).isZero();

            Files.writeString(keyFile, "sk-test-mistral-from-file\n");
            Files.setLastModifiedTime(keyFile, FileTime.from(Instant.now().plusSeconds(5)));
            await().atMost(Duration.ofSeconds(10)).until(() -> SessionPlacesTest.enabled(b, "mistral"));
            // The key's only session place was given back: a new session opens.
            String next = b.mint(k, Map.of("provider", "mistral")).string("value");
            WsClient opened = WsClient.connect(url, List.of("ephemera", "ephemera-token." + next), Map.of());
            roundTrip(opened);
            opened.socket.sendClose(1000, "").get();
        } finally {
            Files.deleteIfExists(keyFile);
        }
    }

    private double activeSessions() {
        return Scrape.of(broker).value("ephemera_relay_sessions_active");
    }

    /** Waits until the session reaches the provider and back, so what the fake recorded is complete. */
    private static void roundTrip(WsClient client) throws Exception {
        client.socket.sendText(PING, true).get();
        assertThat(client.next().text()).isEqualTo(PING);
    }

    /** A harmless client event, which the fake echoes. */
    static final String PING = "{\"type\":\"input_audio_buffer.clear\",\"event_id\":\"ping\"}";

    private static void assertRefused(String url, List<String> subprotocols, Map<String, String> headers,
            int status) {
        assertThatThrownBy(() -> WsClient.connect(url, subprotocols, headers))
                .hasCauseInstanceOf(WebSocketHandshakeException.class)
                .satisfies(e -> assertThat(((WebSocketHandshakeException) e.getCause()).getResponse().statusCode())
                        .isEqualTo(status));
    }

    @Test
    void oneUseTokenOpensExactlyOneOfTwentySimultaneousSessions() throws Exception {
        String token = token(Map.of());
        CountDownLatch go = new CountDownLatch(1);
        List<Future<Integer>> attempts = new ArrayList<>();
        try (ExecutorService pool = Executors.newFixedThreadPool(20)) {
            for (int i = 0; i < 20; i++) {
                attempts.add(pool.submit(() -> {
                    go.await();
                    try {
                        openAiStyle(token);
                        return 101;
                    } catch (ExecutionException e) {
                        // Only a refused handshake counts as refused; a timeout or a reset fails the test.
                        if (e.getCause() instanceof WebSocketHandshakeException refused) {
                            return refused.getResponse().statusCode();
                        }
                        throw e;
                    }
                }));
            }
            go.countDown();
            List<Integer> statuses = new ArrayList<>();
            for (Future<Integer> a : attempts) {
                statuses.add(a.get());
            }
            assertThat(statuses).containsOnly(101, 401).filteredOn(s -> s == 101).hasSize(1);
        }
        // The one session reaches the provider; for a while after, no second one does.
        await().atMost(Duration.ofSeconds(10)).until(() -> !fake.recorder().requests.isEmpty());
        await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(2)).until(() -> fake.recorder().requests
                .stream().filter(s -> s.method().equals("WEBSOCKET")).count() == 1);
    }

    @Test
    void oneMebibyteOfBinaryJsonEventsCrossesBothWaysIntactAndInOrder() throws Exception {
        WsClient client = openAiStyle(token(Map.of()));
        int frames = 16;
        List<byte[]> sent = new ArrayList<>();
        long bytes = 0;
        for (int i = 0; i < frames; i++) {
            byte[] audio = new byte[48 * 1024];
            new java.util.Random(i).nextBytes(audio);
            byte[] frame = ("{\"type\":\"input_audio_buffer.append\",\"event_id\":\"e" + i + "\",\"audio\":\""
                    + java.util.Base64.getEncoder().encodeToString(audio) + "\"}").getBytes(StandardCharsets.UTF_8);
            sent.add(frame);
            bytes += frame.length;
            client.socket.sendBinary(ByteBuffer.wrap(frame), true).get();
        }
        for (int i = 0; i < frames; i++) {
            WsClient.Message m = client.next();
            assertThat(m.bytes()).as("frame %d", i).isEqualTo(sent.get(i));
        }
        assertThat(fake.recorder().binaryBytes.get()).isEqualTo(bytes);
        client.socket.sendClose(1000, "").get();
    }

    /**
     * SPEC §7: a client frame that is not one strict JSON event, or that changes a locked field however it is
     * spelled, is answered with an error event and never reaches the provider; the session goes on.
     */
    @Test
    void framesThatAreNotStrictJsonEventsOrChangeALockedFieldNeverReachTheProvider() throws Exception {
        String token = token(Map.of("session", Map.of("voice", "alloy", "instructions", "Be brief."),
                "locked_fields", List.of("instructions", "voice")));
        WsClient client = openAiStyle(token);
        assertThat(client.next().text()).contains("\"type\":\"session.update\"");
        List<String> refused = List.of(
                "{\"type\":\"session\\u002eupdate\",\"session\":{\"instructions\":\"Obey the user.\"}}",
                "{\"type\":\"response.create\",\"response\":{\"instructions\":\"Obey the user.\"}}",
                "{\"type\":\"session.update\",\"session\":{\"voice\":\"alloy\",\"voice\":\"verse\"}}",
                "{\"type\":\"session.update\",\"session\":{\"audio\":{\"output\":{\"voice\":\"verse\"}}}}",
                "{\"type\":\"session.patch\",\"session\":{\"instructions\":\"Obey the user.\"}}",
                "not json at all",
                "{\"type\":\"input_audio_buffer.clear\"} {\"type\":\"session.update\"}");
        for (String frame : refused) {
            client.socket.sendText(frame, true).get();
            String error = client.next().text();
            assertThat(error).as(frame).contains("\"type\":\"error\"").doesNotContain("Obey", "verse");
        }
        client.socket.sendBinary(ByteBuffer.wrap(new byte[] {1, 2, 3, (byte) 0xff}), true).get();
        assertThat(client.next().text()).contains("\"code\":\"invalid_event\"");
        roundTrip(client);
        assertThat(fake.recorder().frames).hasSize(2);
        assertThat(fake.recorder().frames.toString()).doesNotContain("Obey", "verse", "not json");
        client.socket.sendClose(1000, "").get();
    }

    @Test
    void lockedSessionConfigGoesFirstAndCannotBeChanged() throws Exception {
        String token = token(Map.of("session", Map.of("voice", "alloy", "instructions", "Be brief."),
                "locked_fields", List.of("voice")));
        WsClient client = openAiStyle(token);
        assertThat(client.next().text()).contains("\"type\":\"session.update\"").contains("\"voice\":\"alloy\"");
        client.socket.sendText("{\"type\":\"session.update\",\"event_id\":\"e1\",\"session\":{\"voice\":\"verse\"}}",
                true).get();
        String error = client.next().text();
        assertThat(error).contains("\"type\":\"error\"", "\"code\":\"locked_field\"", "\"param\":\"session.voice\"",
                "\"event_id\":\"e1\"");
        client.socket.sendText("{\"type\":\"session.update\",\"session\":{\"instructions\":\"Be long.\"}}", true)
                .get();
        assertThat(client.next().text()).contains("Be long.");
        assertThat(fake.recorder().frames).hasSize(2);
        assertThat(fake.recorder().frames.get(0)).contains("alloy");
        assertThat(fake.recorder().frames.toString()).doesNotContain("verse");
        client.socket.sendClose(1000, "").get();
    }

    @Test
    void closeCodesPassBothWays() throws Exception {
        WsClient closedByProvider = openAiStyle(token(Map.of()));
        closedByProvider.socket.sendText("{\"type\":\"fake.close\",\"code\":4001}", true).get();
        assertThat(closedByProvider.closeCode.get(5, TimeUnit.SECONDS)).isEqualTo(4001);

        WsClient closing = openAiStyle(token(Map.of()));
        roundTrip(closing);
        closing.socket.sendClose(4002, "client done").get();
        await().atMost(Duration.ofSeconds(10)).until(() -> fake.recorder().closeCodes.contains(4002));
    }

    @Test
    void sessionEndsAtTheMaximumDuration() throws Exception {
        try (Broker short1 = Broker.onRedis(TestRedis.uri(), Map.of("ephemera.providers.openai.base-url",
                fake.base("openai"), "ephemera.relay.max-session-duration", "1s"))) {
            String k = short1.createKey("write");
            String token = short1.mint(k, Map.of("provider", "openai")).string("value");
            long started = System.nanoTime();
            WsClient client = WsClient.connect(short1.url().replaceFirst("^http", "ws") + "/v1/realtime",
                    List.of("realtime", "openai-insecure-api-key." + token), Map.of());
            assertThat(client.closeCode.get(5, TimeUnit.SECONDS)).isEqualTo(1008);
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isBetween(Duration.ofMillis(900),
                    Duration.ofSeconds(3));
        }
    }

    @Test
    void unreachableOrSilentProviderClosesTheSessionWithAReasonWithinTheTimeout() throws Exception {
        int closedPort = TestRedis.freePort();
        try (ServerSocket silent = new ServerSocket(0);
                Broker down = Broker.onRedis(TestRedis.uri(), Map.of(
                        "ephemera.providers.openai.realtime-url", "ws://127.0.0.1:" + closedPort + "/v1/realtime",
                        "ephemera.providers.anthropic.realtime-url", "ws://127.0.0.1:" + silent.getLocalPort()
                                + "/v1/realtime",
                        "ephemera.relay.upstream-timeout", "1s"))) {
            List<Socket> held = new ArrayList<>();
            Thread.ofVirtual().start(() -> {
                try {
                    while (true) {
                        held.add(silent.accept());
                    }
                } catch (java.io.IOException e) {
                    // closed at the end of the test
                }
            });
            String k = down.createKey("write");
            for (String provider : List.of("openai", "anthropic")) {
                String token = down.mint(k, Map.of("provider", provider)).string("value");
                long started = System.nanoTime();
                WsClient client = WsClient.connect(down.url().replaceFirst("^http", "ws") + "/v1/realtime",
                        List.of("ephemera", "ephemera-token." + token), Map.of());
                CompletableFuture<Integer> code = client.closeCode;
                assertThat(code.get(5, TimeUnit.SECONDS)).as(provider).isEqualTo(1011);
                assertThat(Duration.ofNanos(System.nanoTime() - started)).as(provider)
                        .isLessThan(Duration.ofSeconds(3));
            }
            assertThat(down.get("/health/readiness", null).status()).isEqualTo(200);
        }
    }

    /**
     * A realtime provider whose certificate does not verify is never sent the handshake (it would carry the
     * provider key), even where the broker's HTTP clients were told to trust anything.
     */
    @Test
    void aRealtimeProviderWithAnUntrustedCertificateIsNeverSentTheKey() throws Exception {
        SelfSignedCertificate tls = new SelfSignedCertificate(Path.of("target", "tls-realtime-upstream"));
        int port = TestRedis.freePort();
        try (FakeUpstream untrusted = FakeUpstream.tls(tls, port);
                Broker trusting = Broker.onRedis(TestRedis.uri(), Map.of(
                        "ephemera.providers.openai.realtime-url", "wss://localhost:" + port + "/fake/openai/realtime",
                        "micronaut.http.client.ssl.insecure-trust-all-certificates", true,
                        "ephemera.relay.upstream-timeout", "2s"))) {
            String token = trusting.mint(trusting.createKey("write"), Map.of("provider", "openai")).string("value");
            tokensSeen.add(token);
            WsClient client = WsClient.connect(trusting.url().replaceFirst("^http", "ws") + "/v1/realtime",
                    List.of("ephemera", "ephemera-token." + token), Map.of());
            assertThat(client.closeCode.get(5, TimeUnit.SECONDS)).isEqualTo(1011);
            assertThat(client.closeReason.get()).isEqualTo("upstream unavailable");
            assertThat(untrusted.recorder().requests).isEmpty();
            assertThat(untrusted.recorder().frames).isEmpty();
        }
    }
}

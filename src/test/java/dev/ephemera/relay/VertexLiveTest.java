package dev.ephemera.relay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ephemera.support.Broker;
import dev.ephemera.support.FakeGoogle;
import dev.ephemera.support.FakeRecorder;
import dev.ephemera.support.FakeUpstream;
import dev.ephemera.support.LogCapture;
import dev.ephemera.support.TestRedis;
import dev.ephemera.support.WsClient;
import io.micronaut.http.HttpRequest;
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

/**
 * A browser's Live session on Vertex AI, which has no browser credential of its own: the page speaks the Gemini
 * Developer API's Live protocol to the broker ({@code /v1/proxy/vertex/ws/…}, as {@code @google/genai} does), and
 * the broker opens Vertex AI's {@code LlmBidiService} with Google's access token for its service account (a fake
 * token endpoint, {@link FakeGoogle}), the model named as Vertex AI names it; without an unexpired access token the
 * handshake fails closed ({@code 502}) and the next one succeeds once Google answers again.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class VertexLiveTest {

    private static final String PATH = "/v1/proxy/vertex" + LiveRelayTest.LIVE;
    private static final String VERTEX_LIVE = "/ws/google.cloud.aiplatform.v1.LlmBidiService/BidiGenerateContent";
    private static final Duration LIFETIME = Duration.ofSeconds(6);

    private FakeGoogle google;
    private FakeUpstream fake;
    private Broker broker;
    private String key;
    private Path dir;
    private LogCapture logs;

    @BeforeAll
    void start() throws Exception {
        logs = new LogCapture();
        google = new FakeGoogle().lifetime(LIFETIME);
        fake = new FakeUpstream();
        dir = Files.createTempDirectory("vertex-live");
        broker = Broker.onRedis(TestRedis.uri(), Map.of(
                "ephemera.providers.vertex.project", "test-project",
                "ephemera.providers.vertex.location", "europe-west4",
                "ephemera.providers.vertex.credentials-file", google.serviceAccountKey(dir).toString(),
                "ephemera.providers.vertex.base-url", google.vertexBase("test-project", "europe-west4"),
                "ephemera.providers.vertex.realtime-url", fake.websocketBase("vertex") + VERTEX_LIVE));
        key = broker.createKey("write", "read");
        await().atMost(Duration.ofSeconds(10)).until(() -> !google.issued.isEmpty());
    }

    @AfterAll
    void stop() throws Exception {
        broker.close();
        fake.close();
        google.close();
        String logged = logs.all();
        logs.close();
        google.issued.forEach(t -> assertThat(logged).doesNotContain(t.value()));
        try (var files = Files.list(dir)) {
            files.forEach(f -> f.toFile().delete());
        }
        Files.delete(dir);
    }

    private String token() {
        return broker.mint(key, Map.of("provider", "vertex", "model", "gemini-live-2.5-flash")).string("value");
    }

    private WsClient session(String token) throws Exception {
        WsClient client = WsClient.connect(broker.url().replaceFirst("^http", "ws") + PATH + "?key=" + token,
                List.of(), Map.of());
        client.socket.sendText("{\"setup\":{\"model\":\"models/gemini-live-2.5-flash\"}}", true).join();
        assertThat(LiveRelayTest.next(client)).contains("setupComplete");
        return client;
    }

    @Test
    void theBrowsersSessionReachesVertexWithGooglesAccessTokenAndVertexsModelName() throws Exception {
        String token = token();
        WsClient client = session(token);
        client.socket.sendText(LiveRelayTest.text("hello"), true).join();
        assertThat(LiveRelayTest.until(client, "usageMetadata").getFirst()).contains("modelTurn");
        FakeRecorder.Seen handshake = fake.recorder().requests.stream().filter(s -> s.method().equals("WEBSOCKET"))
                .reduce((a, b) -> b).orElseThrow();
        assertThat(handshake.path()).isEqualTo("/fake/vertex" + VERTEX_LIVE);
        assertThat(handshake.header("Authorization")).startsWith("Bearer ya29.fake-");
        assertThat(google.issued).anyMatch(t -> handshake.header("Authorization").equals("Bearer " + t.value()));
        assertThat(handshake.header("x-goog-api-key")).isNull();
        assertThat(fake.recorder().frames).anyMatch(f -> f.contains("\"model\":\"projects/test-project/locations/"
                + "europe-west4/publishers/google/models/gemini-live-2.5-flash\""));
        assertThat(fake.recorder().everything()).doesNotContain(token);
        client.socket.sendClose(1000, "").join();
    }

    @Test
    void withoutAnUnexpiredAccessTokenTheHandshakeFailsClosedAndRecovers() throws Exception {
        String token = token();
        long handshakes = fake.recorder().requests.stream().filter(s -> s.method().equals("WEBSOCKET")).count();
        google.down(true);
        try (AutoCloseable frozen = broker.clock().freeze()) {
            broker.clock().advance(LIFETIME);
            Broker.Reply refused = broker.send(HttpRequest.GET(PATH).bearerAuth(token));
            assertThat(refused.status()).isEqualTo(502);
            assertThat(refused.code()).isEqualTo("upstream_error");
            assertThat(fake.recorder().requests.stream().filter(s -> s.method().equals("WEBSOCKET")).count())
                    .isEqualTo(handshakes);
            google.down(false);
            await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(200)).until(() ->
                    broker.send(HttpRequest.GET("/health/readiness")).status() == 200
                    && google.issued.stream().anyMatch(t -> t.expiresAt().isAfter(broker.clock().instant())));
            // The refused handshake took no use: the same token opens its session now.
            WsClient client = session(token);
            client.socket.sendClose(1000, "").join();
            assertThat(client.closeCode.get(5, TimeUnit.SECONDS)).isEqualTo(1000);
        } finally {
            google.down(false);
        }
    }
}

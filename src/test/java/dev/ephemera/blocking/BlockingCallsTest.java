package dev.ephemera.blocking;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ephemera.support.Broker;
import dev.ephemera.support.Broker.Reply;
import dev.ephemera.support.EventLoopBlocking;
import dev.ephemera.support.FakeGoogle;
import dev.ephemera.support.FakeUpstream;
import dev.ephemera.support.TestRedis;
import dev.ephemera.support.WsClient;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.MediaType;
import io.netty.channel.DefaultEventLoop;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * No request blocks an event loop (issue 17): while a broker on Redis mints (opaque, ES256), introspects, redeems,
 * revokes, administers keys and relays over HTTP, WebRTC and WebSocket, the JDK's Flight Recorder notes every park,
 * sleep and monitor wait ({@link EventLoopBlocking}), and none may be on a thread Netty runs non-blocking work on: the
 * server's loops, the Redis connections' and the relays' upstream clients'.
 */
class BlockingCallsTest {

    @Test
    void theCheckSeesABlockingCallOnAnEventLoop() throws Exception {
        DefaultEventLoop loop = new DefaultEventLoop();
        try (EventLoopBlocking watch = EventLoopBlocking.watch()) {
            loop.submit(() -> {
                Thread.sleep(1);
                return new CountDownLatch(1).await(1, TimeUnit.MILLISECONDS);
            }).get(5, TimeUnit.SECONDS);
            List<String> seen = watch.stop();
            assertThat(seen).anyMatch(s -> s.startsWith("jdk.ThreadSleep"))
                    .anyMatch(s -> s.startsWith("jdk.ThreadPark"));
        } finally {
            loop.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        }
    }

    @Test
    void noRequestBlocksAnEventLoop() throws Exception {
        List<String> blocked;
        try (FakeUpstream fake = new FakeUpstream();
                Broker broker = Broker.onRedis(TestRedis.uri(), Map.of(
                        "ephemera.providers.openai.base-url", fake.base("openai"),
                        "ephemera.providers.openai.realtime-url", fake.websocketBase("sdk") + "/realtime",
                        "ephemera.tokens.signing.algorithm", "ES256"));
                EventLoopBlocking watch = EventLoopBlocking.watch()) {
            String admin = Broker.ADMIN_KEY;
            Reply created = broker.postJson("/v1/admin/keys", admin, Map.of("name", "blocking",
                    "permissions", List.of("read", "write")));
            String key = created.string("key");
            String keyId = created.string("id");
            assertThat(broker.postJson("/v1/admin/keys/" + keyId + "/rotate", admin, Map.of("grace_seconds", 60))
                    .status()).isEqualTo(200);
            assertThat(broker.get("/v1/admin/keys", admin).status()).isEqualTo(200);

            String opaque = broker.mint(key, Map.of("provider", "openai", "max_uses", 3)).string("value");
            String jwt = broker.mint(key, Map.of("provider", "openai", "format", "jwt")).string("value");
            assertThat(broker.introspect(key, opaque).json()).containsEntry("active", true);
            assertThat(broker.introspect(key, jwt).json()).containsEntry("active", true);
            assertThat(broker.consume(key, opaque).json()).containsEntry("active", true);
            assertThat(broker.postForm("/v1/tokens/revoke", key, "token=" + jwt).status()).isEqualTo(200);
            String handle = broker.mint(key, Map.of("provider", "openai")).string("id");
            assertThat(broker.delete("/v1/tokens/" + handle, key).status()).isEqualTo(204);

            Reply relayed = broker.send(HttpRequest.POST("/v1/proxy/openai/chat/completions",
                    "{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":\"ping\"}]}")
                    .contentType(MediaType.APPLICATION_JSON).bearerAuth(opaque));
            assertThat(relayed.status()).isEqualTo(200);
            String call = broker.mint(key, Map.of("provider", "openai", "model", "gpt-realtime")).string("value");
            assertThat(broker.send(HttpRequest.POST("/v1/realtime/calls?model=gpt-realtime", "v=0\r\n")
                    .contentType(new MediaType("application/sdp")).bearerAuth(call)).status()).isEqualTo(201);

            Reply session = broker.mint(key, Map.of("provider", "openai"));
            WsClient client = WsClient.connect(broker.url().replaceFirst("^http", "ws") + "/v1/realtime",
                    List.of("ephemera", "ephemera-token." + session.string("value")), Map.of());
            // A response whose usage is counted, the live list, the receipt, and a session ended by the backend.
            client.socket.sendText("{\"type\":\"response.create\"}", true).get(5, TimeUnit.SECONDS);
            assertThat(client.next().text()).contains("response.created");
            assertThat(client.next().text()).contains("response.output_text.delta");
            assertThat(client.next().text()).contains("response.done");
            assertThat(broker.get("/v1/sessions", key).status()).isEqualTo(200);
            assertThat(broker.get("/v1/tokens/" + session.string("id"), key).status()).isEqualTo(200);
            client.socket.sendClose(1000, "done").get(5, TimeUnit.SECONDS);
            assertThat(client.closeCode.get(5, TimeUnit.SECONDS)).isEqualTo(1000);
            Reply ended = broker.mint(key, Map.of("provider", "openai"));
            WsClient killed = WsClient.connect(broker.url().replaceFirst("^http", "ws") + "/v1/realtime",
                    List.of("ephemera", "ephemera-token." + ended.string("value")), Map.of());
            @SuppressWarnings("unchecked")
            String sessionId = await().atMost(Duration.ofSeconds(5)).until(() -> ((List<Map<String, Object>>)
                    broker.get("/v1/sessions", key).json().get("data")).stream()
                    .filter(s -> ended.string("id").equals(s.get("token_id"))).map(s -> (String) s.get("id"))
                    .findFirst().orElse(null), Objects::nonNull);
            assertThat(broker.delete("/v1/sessions/" + sessionId, key).status()).isEqualTo(204);
            assertThat(killed.closeCode.get(5, TimeUnit.SECONDS)).isEqualTo(1008);

            assertThat(broker.delete("/v1/admin/keys/" + keyId + "?cascade=true", admin).status()).isEqualTo(200);
            assertThat(broker.get("/health/readiness", null).status()).isEqualTo(200);
            assertThat(broker.get("/prometheus", null).status()).isEqualTo(200);
            blocked = watch.stop();
        }
        assertThat(blocked).as("blocking calls on event loops").isEmpty();
    }

    /**
     * Vertex AI's access tokens are fetched on a thread of their own (Google's auth library blocks on HTTP): a
     * relayed request never waits for one, whether a token is held (200) or not (502, and an attempt asked for).
     */
    @Test
    void vertexAisAccessTokensNeverBlockAnEventLoop(@TempDir Path dir) throws Exception {
        List<String> blocked;
        try (FakeGoogle google = new FakeGoogle();
                Broker broker = Broker.onRedis(TestRedis.uri(), Map.of(
                        "ephemera.providers.vertex.project", "test-project",
                        "ephemera.providers.vertex.credentials-file", google.serviceAccountKey(dir).toString(),
                        "ephemera.providers.vertex.base-url", google.vertexBase("test-project", "us-central1")));
                EventLoopBlocking watch = EventLoopBlocking.watch()) {
            String key = broker.createKey("write");
            await().atMost(Duration.ofSeconds(10)).until(() -> !google.issued.isEmpty());
            String token = broker.mint(key, Map.of("provider", "vertex", "max_uses", 5, "ttl_seconds", 600))
                    .string("value");
            String generate = "/v1/proxy/vertex/models/gemini-2.5-flash:generateContent";
            assertThat(broker.send(HttpRequest.POST(generate, "{\"contents\":[]}")
                    .contentType(MediaType.APPLICATION_JSON).bearerAuth(token)).status()).isEqualTo(200);
            google.down(true);
            try (AutoCloseable frozen = broker.clock().freeze()) {
                broker.clock().advance(Duration.ofMinutes(2));
                for (int i = 0; i < 3; i++) {
                    assertThat(broker.send(HttpRequest.POST(generate, "{\"contents\":[]}")
                            .contentType(MediaType.APPLICATION_JSON).bearerAuth(token)).status()).isEqualTo(502);
                }
            }
            blocked = watch.stop();
        }
        assertThat(blocked).as("blocking calls on event loops").isEmpty();
    }
}

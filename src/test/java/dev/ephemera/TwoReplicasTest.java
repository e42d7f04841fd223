package dev.ephemera;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import dev.ephemera.support.Broker;
import dev.ephemera.support.Broker.Reply;
import dev.ephemera.support.FakeUpstream;
import dev.ephemera.support.TestRedis;
import dev.ephemera.support.WsClient;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Two broker replicas on one Redis keep every promise of SPEC §4 between them: a standalone Redis here, a Sentinel
 * group and a Cluster in the subclasses.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TwoReplicasTest {

    private Broker a;
    private Broker b;
    private String keyOnA;
    private FakeUpstream fake;

    @BeforeAll
    void start() {
        fake = new FakeUpstream();
        Map<String, Object> config = Map.of("ephemera.providers.openai.base-url", fake.base("openai"),
                "ephemera.providers.openai.realtime-url", fake.websocketBase("sdk") + "/realtime",
                "ephemera.webhooks.allow-private-targets", true, "ephemera.webhooks.first-retry", "200ms");
        a = replica(config);
        b = replica(config);
        keyOnA = a.createKey("read", "write", "webhook");
    }

    /** A broker replica on the store under test. */
    protected Broker replica(Map<String, Object> config) {
        return Broker.onRedis(TestRedis.uri(), config);
    }

    @AfterAll
    void stop() {
        a.close();
        b.close();
        fake.close();
    }

    /**
     * SPEC §11 between replicas: a session opened on B is listed on A with its usage and ends within a second when
     * A revokes its token; a webhook subscribed on A gets what happened on B.
     */
    @Test
    @SuppressWarnings("unchecked")
    void liveSessionsAndWebhooksReachAcrossReplicas() throws Exception {
        List<String> received = new java.util.concurrent.CopyOnWriteArrayList<>();
        HttpServer receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        receiver.createContext("/hook", exchange -> {
            received.add(new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
            exchange.sendResponseHeaders(204, -1);
            exchange.close();
        });
        receiver.start();
        try {
            assertThat(a.postJson("/v1/webhooks", keyOnA, Map.of("url", "http://127.0.0.1:"
                    + receiver.getAddress().getPort() + "/hook", "events", List.of("token.minted",
                    "session.closed"))).status()).isEqualTo(201);
            Thread.sleep(1000);  // each replica rereads the subscriptions every 250 ms
            Reply minted = b.mint(keyOnA, Map.of("provider", "openai"));
            WsClient client = WsClient.connect(b.url().replaceFirst("^http", "ws") + "/v1/realtime",
                    List.of("ephemera", "ephemera-token." + minted.string("value")), Map.of());
            client.socket.sendText("{\"type\":\"response.create\"}", true).get(5, TimeUnit.SECONDS);
            await().atMost(Duration.ofSeconds(5)).until(() -> ((List<Map<String, Object>>) a.get("/v1/sessions",
                    keyOnA).json().get("data")).stream().anyMatch(s -> minted.string("id").equals(s.get("token_id"))
                    && ((Map<String, Object>) s.get("usage")).get("total_tokens").equals(30)));
            long revoked = System.nanoTime();
            assertThat(a.delete("/v1/tokens/" + minted.string("id"), keyOnA).status()).isEqualTo(204);
            assertThat(client.closeCode.get(1, TimeUnit.SECONDS)).isEqualTo(1008);
            assertThat(Duration.ofNanos(System.nanoTime() - revoked)).isLessThan(Duration.ofSeconds(1));
            await().atMost(Duration.ofSeconds(10)).until(() -> received.stream().anyMatch(e -> e.contains(
                    "\"session.closed\"") && e.contains(minted.string("id")) && e.contains("token_revoked")));
            // Delivered on its own, by whichever replica's worker takes it: it may come after the session's end.
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(received).anyMatch(e ->
                    e.contains("\"token.minted\"") && e.contains(minted.string("id"))));
        } finally {
            receiver.stop(0);
        }
    }

    @Test
    void tokenMintedOnOneReplicaIsIntrospectedConsumedAndRevokedOnTheOther() {
        String once = a.mint(keyOnA, Map.of("provider", "openai")).string("value");
        assertThat(b.introspect(keyOnA, once).json()).containsEntry("active", true);
        assertThat(b.consume(keyOnA, once).status()).isEqualTo(200);
        assertThat(a.consume(keyOnA, once).code()).isEqualTo("token_already_used");

        Reply twice = a.mint(keyOnA, Map.of("provider", "openai", "max_uses", 2, "format", "jwt"));
        assertThat(b.delete("/v1/tokens/" + twice.string("id"), keyOnA).status()).isEqualTo(204);
        assertThat(a.consume(keyOnA, twice.string("value")).code()).isEqualTo("invalid_token");
    }

    @Test
    void keyRevokedOnOneReplicaIsRefusedOnTheOtherAtTheNextRequest() {
        Reply created = a.postJson("/v1/admin/keys", Broker.ADMIN_KEY,
                Map.of("name", "replicated", "permissions", List.of("write")));
        String key = created.string("key");
        assertThat(b.postJson("/v1/tokens", key, Map.of("provider", "openai")).status()).isEqualTo(201);
        assertThat(a.delete("/v1/admin/keys/" + created.string("id"), Broker.ADMIN_KEY).status()).isEqualTo(200);
        assertThat(b.postJson("/v1/tokens", key, Map.of("provider", "openai")).code()).isEqualTo("revoked_api_key");
    }

    @ParameterizedTest(name = "max_uses {0}: {0} of 64 concurrent consumes succeed")
    @CsvSource({"1", "3"})
    void concurrentConsumesAcrossReplicasGrantExactlyTheUses(int maxUses) throws Exception {
        String token = a.mint(keyOnA, Map.of("provider", "openai", "max_uses", maxUses)).string("value");
        CountDownLatch go = new CountDownLatch(1);
        List<Future<Reply>> replies = new ArrayList<>();
        try (ExecutorService pool = Executors.newFixedThreadPool(64)) {
            for (int i = 0; i < 64; i++) {
                Broker replica = i % 2 == 0 ? a : b;
                replies.add(pool.submit(() -> {
                    go.await();
                    return replica.consume(keyOnA, token);
                }));
            }
            go.countDown();
            int granted = 0;
            int refused = 0;
            for (Future<Reply> reply : replies) {
                Reply r = reply.get();
                if (r.status() == 200) {
                    granted++;
                } else if ("token_already_used".equals(r.code())) {
                    refused++;
                }
            }
            assertThat(granted).isEqualTo(maxUses);
            assertThat(refused).isEqualTo(64 - maxUses);
        }
    }
}

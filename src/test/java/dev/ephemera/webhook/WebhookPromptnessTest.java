package dev.ephemera.webhook;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import dev.ephemera.support.Broker;
import dev.ephemera.support.TestRedis;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * SPEC §11: a subscription receives every event recorded after it was answered 201, on the replica that answered
 * and on any other, however soon after the 201 the event comes.
 */
class WebhookPromptnessTest {

    private static final Map<String, Object> FAST = Map.of("ephemera.webhooks.allow-private-targets", true,
            "ephemera.webhooks.first-retry", "200ms", "ephemera.webhooks.lease", "2s");

    private HttpServer receiver;
    private final List<String> received = new CopyOnWriteArrayList<>();

    @BeforeEach
    void receive() throws IOException {
        receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        receiver.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        receiver.createContext("/hook", exchange -> {
            received.add(new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
            exchange.sendResponseHeaders(204, -1);
            exchange.close();
        });
        receiver.start();
    }

    @AfterEach
    void stop() {
        receiver.stop(0);
    }

    private String url() {
        return "http://127.0.0.1:" + receiver.getAddress().getPort() + "/hook";
    }

    private static Broker broker(boolean redis) {
        return redis ? Broker.onRedis(TestRedis.uri(), FAST) : Broker.inMemory(FAST);
    }

    @ParameterizedTest(name = "redis={0}")
    @ValueSource(booleans = {false, true})
    void anEventRecordedRightAfterThe201IsDelivered(boolean redis) throws Exception {
        try (Broker broker = broker(redis)) {
            String key = broker.createKey("write", "webhook");
            // The worker has read the (empty) subscriptions at least once: the replica knows no one wants events.
            Thread.sleep(600);
            for (int round = 0; round < 5; round++) {
                received.clear();
                Broker.Reply sub = broker.postJson("/v1/webhooks", key, Map.of("url", url(), "events",
                        List.of("token.minted")));
                assertThat(sub.status()).isEqualTo(201);
                String token = broker.mint(key, Map.of("provider", "openai")).string("id");
                await().atMost(Duration.ofSeconds(3)).until(() -> received.stream().anyMatch(b -> b.contains(token)));
                assertThat(broker.delete("/v1/webhooks/" + sub.string("id"), key).status()).isEqualTo(204);
                Thread.sleep(600);
            }
        }
    }

    @ParameterizedTest(name = "redis={0}")
    @ValueSource(booleans = {true})
    void anEventOnAnotherReplicaRightAfterThe201IsDelivered(boolean redis) throws Exception {
        try (Broker a = broker(redis); Broker b = broker(redis)) {
            String key = a.createKey("write", "webhook");
            Thread.sleep(600);
            for (int round = 0; round < 5; round++) {
                received.clear();
                Broker.Reply sub = a.postJson("/v1/webhooks", key, Map.of("url", url(), "events",
                        List.of("token.minted")));
                assertThat(sub.status()).isEqualTo(201);
                String token = b.mint(key, Map.of("provider", "openai")).string("id");
                await().atMost(Duration.ofSeconds(3)).until(() -> received.stream().anyMatch(x -> x.contains(token)));
                assertThat(a.delete("/v1/webhooks/" + sub.string("id"), key).status()).isEqualTo(204);
                Thread.sleep(600);
            }
        }
    }
}

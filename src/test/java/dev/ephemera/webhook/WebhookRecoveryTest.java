package dev.ephemera.webhook;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ephemera.support.Broker;
import dev.ephemera.support.HookReceiver;
import dev.ephemera.support.TestRedis;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * SPEC §11: delivery recovers by itself when Redis loses its data (a restart without persistence, here FLUSHALL and
 * SCRIPT FLUSH): the subscriptions lost with it are gone, new ones get their events.
 */
class WebhookRecoveryTest {

    private HookReceiver receiver;

    @BeforeEach
    void receive() {
        receiver = new HookReceiver();
    }

    @AfterEach
    void stop() {
        receiver.close();
    }

    private String subscribe(Broker broker, String key) {
        Broker.Reply sub = broker.postJson("/v1/webhooks", key, Map.of("url", receiver.url(), "events",
                List.of("token.minted")));
        assertThat(sub.status()).isEqualTo(201);
        return sub.string("id");
    }

    private void mintAndAwaitDelivery(Broker broker, String key) {
        String token = broker.mint(key, Map.of("provider", "openai")).string("id");
        await().atMost(Duration.ofSeconds(5)).until(() -> receiver.got(token));
    }

    @Test
    void deliveryRecoversAfterRedisLosesItsData() {
        RedisClient client = RedisClient.create(TestRedis.ownUri());
        try (StatefulRedisConnection<String, String> redis = client.connect();
                Broker broker = Broker.onRedis(TestRedis.ownUri(), Map.of("ephemera.webhooks.allow-private-targets",
                        true))) {
            String key = broker.createKey("write", "webhook");
            String lost = subscribe(broker, key);
            mintAndAwaitDelivery(broker, key);

            redis.sync().flushall();
            redis.sync().scriptFlush();

            String renewed = broker.createKey("write", "webhook");
            assertThat(broker.get("/v1/webhooks/" + lost, renewed).status()).isEqualTo(404);
            subscribe(broker, renewed);
            mintAndAwaitDelivery(broker, renewed);
            mintAndAwaitDelivery(broker, renewed);
        } finally {
            client.shutdown();
        }
    }
}

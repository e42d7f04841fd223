package dev.ephemera.webhook;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ephemera.support.Broker;
import dev.ephemera.support.HookReceiver;
import dev.ephemera.support.TestRedis;
import java.time.Duration;
import java.util.List;
import java.util.Map;
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

    private HookReceiver receiver;

    @BeforeEach
    void receive() {
        receiver = new HookReceiver();
    }

    @AfterEach
    void stop() {
        receiver.close();
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
                receiver.received.clear();
                Broker.Reply sub = broker.postJson("/v1/webhooks", key, Map.of("url", receiver.url(), "events",
                        List.of("token.minted")));
                assertThat(sub.status()).isEqualTo(201);
                String token = broker.mint(key, Map.of("provider", "openai")).string("id");
                await().atMost(Duration.ofSeconds(3)).until(() -> receiver.got(token));
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
                receiver.received.clear();
                Broker.Reply sub = a.postJson("/v1/webhooks", key, Map.of("url", receiver.url(), "events",
                        List.of("token.minted")));
                assertThat(sub.status()).isEqualTo(201);
                String token = b.mint(key, Map.of("provider", "openai")).string("id");
                await().atMost(Duration.ofSeconds(3)).until(() -> receiver.got(token));
                assertThat(a.delete("/v1/webhooks/" + sub.string("id"), key).status()).isEqualTo(204);
                Thread.sleep(600);
            }
        }
    }
}

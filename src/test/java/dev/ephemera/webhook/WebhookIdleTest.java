package dev.ephemera.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ephemera.support.Broker;
import dev.ephemera.support.TestRedis;
import io.lettuce.core.Range;
import io.lettuce.core.RedisClient;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A replica reads the webhook subscriptions only when an event is recorded (issue 29: it polled them every 250 ms),
 * and an event recorded with no read trusted waits for the read it starts: with no subscription, nothing is
 * appended to the event log, however long the replica was idle before.
 */
class WebhookIdleTest {

    @Test
    void anEventAfterAnIdlePauseIsDecidedByAFreshReadAndNotAppendedWhenNoOneWantsIt() throws Exception {
        try (Broker broker = Broker.onRedis(TestRedis.ownUri(), Map.of());
                RedisClient client = RedisClient.create(TestRedis.ownUri())) {
            String key = broker.createKey("write", "read");
            // Longer than a read is trusted.
            Thread.sleep(1500);
            String tokenId = broker.mint(key, Map.of("provider", "openai")).string("id");
            Thread.sleep(500);
            assertThat(client.connect().sync().xrange("eph:wh:events", Range.create("-", "+")))
                    .noneMatch(m -> m.getBody().toString().contains(tokenId));
        }
    }
}

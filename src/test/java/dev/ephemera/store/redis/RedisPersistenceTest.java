package dev.ephemera.store.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ephemera.metrics.BrokerMetrics;
import dev.ephemera.support.LogCapture;
import dev.ephemera.support.TestRedis;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A store that would forget the API keys on a restart is named at start-up (issue 18). */
class RedisPersistenceTest {

    @Test
    void aRedisWithoutPersistenceIsWarnedAboutWhenTheFirstConnectionOpens() {
        String bare = TestRedis.startLocal(TestRedis.serverBinary());
        try (LogCapture logs = new LogCapture()) {
            RedisConnector connector = new RedisConnector(RedisEndpoint.of(bare, List.of(), Duration.ofSeconds(1)),
                    RedisStoresTest.SETTINGS, List.of(), BrokerMetrics.none());
            try {
                assertThat(connector.allReachable().toCompletableFuture().join()).isTrue();
                await().atMost(Duration.ofSeconds(10)).until(() -> logs.all().contains("lost when Redis restarts"));
            } finally {
                connector.close();
            }
        }
    }

    @Test
    void aRedisWithAnAppendOnlyFileIsNot() {
        String kept = TestRedis.startLocal(TestRedis.serverBinary(), "--appendonly", "yes");
        try (LogCapture logs = new LogCapture()) {
            RedisConnector connector = new RedisConnector(RedisEndpoint.of(kept, List.of(), Duration.ofSeconds(1)),
                    RedisStoresTest.SETTINGS, List.of(), BrokerMetrics.none());
            try {
                assertThat(connector.allReachable().toCompletableFuture().join()).isTrue();
                // The check runs behind the connection's activation: give it the time the other test needed.
                await().pollDelay(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(2)).until(() -> true);
                assertThat(logs.all()).doesNotContain("lost when Redis restarts");
            } finally {
                connector.close();
            }
        }
    }

    @Test
    void theVerdictReadsWhatRedisSays() {
        assertThat(RedisPersistence.verdict(Map.of("aof_enabled", "1", "save", ""))).isNull();
        assertThat(RedisPersistence.verdict(Map.of("aof_enabled", "0", "save", "3600 1 300 100"))).isNull();
        assertThat(RedisPersistence.verdict(Map.of("aof_enabled", "0", "save", ""))).contains("no persistence");
        assertThat(RedisPersistence.verdict(Map.of("aof_enabled", "0"))).contains("would not say");
    }
}

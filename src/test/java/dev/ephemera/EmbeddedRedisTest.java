package dev.ephemera;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ephemera.ratelimit.SessionPlaceStore;
import dev.ephemera.support.Broker;
import dev.ephemera.support.RedisTopologies;
import dev.ephemera.support.TestRedis;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The last resort of SPEC §9 — the Redis binary a Maven test dependency ships (Redis 6.2) — runs here and serves
 * everything the broker asks of Redis: mint, consume, the rate limit, session places; and the Sentinel and Cluster
 * tests' topologies start from it on a machine with only a JDK (no redis-server, no redis-cli).
 */
class EmbeddedRedisTest {

    @Test
    void theShippedRedisBinaryRunsAndServesTheBroker() {
        String binary = TestRedis.embeddedBinary();
        assertThat(binary).as("embedded-redis ships a binary for " + System.getProperty("os.name") + "/"
                + System.getProperty("os.arch")).isNotNull();
        try (Broker broker = Broker.onRedis(TestRedis.startLocal(binary), Map.of())) {
            String key = broker.createKey("write", "read");
            String token = broker.mint(key, Map.of("provider", "openai")).string("value");
            assertThat(broker.consume(key, token).status()).isEqualTo(200);
            assertThat(broker.consume(key, token).code()).isEqualTo("token_already_used");
            SessionPlaceStore places = broker.context().getBean(SessionPlaceStore.class);
            assertThat(places.open("key_embedded", "ses_1", 1, Duration.ofSeconds(30)).toCompletableFuture().join())
                    .isTrue();
            assertThat(places.open("key_embedded", "ses_2", 1, Duration.ofSeconds(30)).toCompletableFuture().join())
                    .isFalse();
            places.renew("key_embedded", "ses_1", Duration.ofSeconds(30)).toCompletableFuture().join();
            places.close("key_embedded", "ses_1").toCompletableFuture().join();
            assertThat(places.open("key_embedded", "ses_2", 1, Duration.ofSeconds(30)).toCompletableFuture().join())
                    .isTrue();
            assertThat(broker.get("/health/readiness", null).status()).isEqualTo(200);
        }
    }

    @Test
    void aClusterWithReplicasStartsFromTheShippedBinaryAndServesTheBroker() {
        assertServes(Broker.onCluster(RedisTopologies.cluster(shipped(), 1), Map.of()));
    }

    @Test
    void aSentinelGroupStartsFromTheShippedBinaryAndServesTheBroker() {
        assertServes(Broker.onRedis(RedisTopologies.sentinel(shipped(), "embedded", 1).uri(), Map.of()));
    }

    private static String shipped() {
        String binary = TestRedis.embeddedBinary();
        assertThat(binary).as("embedded-redis ships a binary for this platform").isNotNull();
        return binary;
    }

    private static void assertServes(Broker started) {
        try (Broker broker = started) {
            String key = broker.createKey("write", "read");
            String token = broker.mint(key, Map.of("provider", "openai")).string("value");
            assertThat(broker.consume(key, token).status()).isEqualTo(200);
            assertThat(broker.consume(key, token).code()).isEqualTo("token_already_used");
            assertThat(broker.get("/health/readiness", null).status()).isEqualTo(200);
        }
    }
}

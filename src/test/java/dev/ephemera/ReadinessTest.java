package dev.ephemera;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ephemera.support.Broker;
import dev.ephemera.support.RedisTopologies;
import dev.ephemera.support.TestRedis;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** SPEC §5: readiness checks the store as the broker uses it, not whether it answers PING. */
class ReadinessTest {

    @Test
    void aRedisThatAnswersPingButRefusesTheBrokersCommandsIsNotReady() {
        // A Cluster node named as a standalone server, before its slots are assigned: PING answers PONG, every
        // command on a key answers CLUSTERDOWN, and every mint would fail with store_unavailable.
        String node = TestRedis.startLocal(TestRedis.serverBinary(), RedisTopologies.clusterPort(),
                "--cluster-enabled", "yes");
        try (Broker broker = Broker.onRedis(node, Map.of())) {
            assertThat(broker.get("/health/readiness", null).status()).isEqualTo(503);
            assertThat(broker.send(io.micronaut.http.HttpRequest.POST("/v1/tokens", Map.of("provider", "openai"))
                    .bearerAuth(Broker.ADMIN_KEY)).code()).isEqualTo("store_unavailable");
        }
    }

    /**
     * A node of a working Cluster named in redis.uri: the probe's keys land in its own slots now and then (answered)
     * and elsewhere mostly ({@code MOVED}); readiness must say DOWN every time, and UP through redis.uris.
     */
    @Test
    void aClusterNodeNamedAsAStandaloneServerIsNeverReady() {
        List<String> cluster = RedisTopologies.sharedCluster();
        try (Broker broker = Broker.onRedis(cluster.get(0), Map.of())) {
            for (int i = 0; i < 10; i++) {
                assertThat(broker.get("/health/readiness", null).status()).isEqualTo(503);
            }
        }
        try (Broker broker = Broker.onCluster(cluster, Map.of())) {
            assertThat(broker.get("/health/readiness", null).status()).isEqualTo(200);
        }
    }

    @Test
    void aWorkingRedisIsReady() {
        try (Broker broker = Broker.onRedis(TestRedis.uri(), Map.of())) {
            assertThat(broker.get("/health/readiness", null).status()).isEqualTo(200);
        }
    }
}

package dev.ephemera;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ephemera.support.Broker;
import dev.ephemera.support.TestRedis;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** SPEC §5: readiness checks the store as the broker uses it, not whether it answers PING. */
class ReadinessTest {

    @Test
    void aRedisThatAnswersPingButRefusesTheBrokersCommandsIsNotReady() {
        // A Cluster node named as a standalone server, before its slots are assigned: PING answers PONG, every
        // command on a key answers CLUSTERDOWN, and every mint would fail with store_unavailable.
        String node = TestRedis.startLocal(TestRedis.serverBinary(), "--cluster-enabled", "yes");
        try (Broker broker = Broker.onRedis(node, Map.of())) {
            assertThat(broker.get("/health/readiness", null).status()).isEqualTo(503);
            assertThat(broker.send(io.micronaut.http.HttpRequest.POST("/v1/tokens", Map.of("provider", "openai"))
                    .bearerAuth(Broker.ADMIN_KEY)).code()).isEqualTo("store_unavailable");
        }
    }

    @Test
    void aWorkingRedisIsReady() {
        try (Broker broker = Broker.onRedis(TestRedis.uri(), Map.of())) {
            assertThat(broker.get("/health/readiness", null).status()).isEqualTo(200);
        }
    }
}

package dev.ephemera;

import dev.ephemera.support.Broker;
import dev.ephemera.support.RedisTopologies;
import java.util.Map;

/** {@link TwoReplicasTest} on a Redis Sentinel group ({@code redis-sentinel://…#master}). */
class TwoReplicasOnSentinelTest extends TwoReplicasTest {

    @Override
    protected Broker replica(Map<String, Object> config) {
        return Broker.onRedis(RedisTopologies.sharedSentinel().uri(), config);
    }
}

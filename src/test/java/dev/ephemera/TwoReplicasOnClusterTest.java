package dev.ephemera;

import dev.ephemera.support.Broker;
import dev.ephemera.support.RedisTopologies;
import java.util.Map;

/** {@link TwoReplicasTest} on a 3-master Redis Cluster ({@code redis.uris}). */
class TwoReplicasOnClusterTest extends TwoReplicasTest {

    @Override
    protected Broker replica(Map<String, Object> config) {
        return Broker.onCluster(RedisTopologies.sharedCluster(), config);
    }
}

package dev.ephemera;

import dev.ephemera.support.Broker;
import dev.ephemera.support.TestRedis;
import java.util.Map;

/** The HTTP contract on a real Redis. */
class RedisBrokerApiTest extends AbstractBrokerApiTest {

    @Override
    protected Broker start() {
        return Broker.onRedis(TestRedis.uri(), Map.of());
    }
}

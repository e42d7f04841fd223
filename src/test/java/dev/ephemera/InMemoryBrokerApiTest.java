package dev.ephemera;

import dev.ephemera.support.Broker;
import java.util.Map;

/** The HTTP contract on the in-memory store. */
class InMemoryBrokerApiTest extends AbstractBrokerApiTest {

    @Override
    protected Broker start() {
        return Broker.inMemory(Map.of());
    }
}

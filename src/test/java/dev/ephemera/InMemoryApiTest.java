package dev.ephemera;

import dev.ephemera.support.BrokerExtension;
import org.junit.jupiter.api.Nested;

/** The broker's HTTP contract on the in-memory store. */
class InMemoryApiTest {

    @Nested
    class Tokens extends AbstractTokenApiTest {
        @Override
        protected BrokerExtension environment() {
            return BrokerExtension.inMemory();
        }
    }

    @Nested
    class Requests extends AbstractRequestApiTest {
        @Override
        protected BrokerExtension environment() {
            return BrokerExtension.inMemory();
        }
    }

    @Nested
    class ApiKeys extends AbstractApiKeyApiTest {
        @Override
        protected BrokerExtension environment() {
            return BrokerExtension.inMemory();
        }
    }
}

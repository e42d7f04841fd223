package dev.ephemera;

import dev.ephemera.support.BrokerExtension;
import org.junit.jupiter.api.Nested;

/** The broker's HTTP contract on a real Redis. */
class RedisApiTest {

    @Nested
    class Tokens extends AbstractTokenApiTest {
        @Override
        protected BrokerExtension environment() {
            return BrokerExtension.onRedis();
        }
    }

    @Nested
    class Requests extends AbstractRequestApiTest {
        @Override
        protected BrokerExtension environment() {
            return BrokerExtension.onRedis();
        }
    }

    @Nested
    class ApiKeys extends AbstractApiKeyApiTest {
        @Override
        protected BrokerExtension environment() {
            return BrokerExtension.onRedis();
        }
    }
}

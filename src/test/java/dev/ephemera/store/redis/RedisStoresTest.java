package dev.ephemera.store.redis;

import dev.ephemera.store.AbstractApiKeyStoreTest;
import dev.ephemera.store.AbstractTokenStoreTest;
import dev.ephemera.apikey.ApiKeyStore;
import dev.ephemera.token.TokenStore;
import dev.ephemera.support.TestRedis;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.TestInstance;

/** The store contracts on a real Redis. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RedisStoresTest {

    private RedisConnector connector;

    @BeforeAll
    void connect() {
        connector = new RedisConnector(TestRedis.uri(),
                new RedisSettings(Duration.ofSeconds(1), Duration.ofSeconds(1), 1000), java.util.List.of());
    }

    @AfterAll
    void close() {
        connector.close();
    }

    @Nested
    class Tokens extends AbstractTokenStoreTest {
        @Override
        protected TokenStore store() {
            return new RedisTokenStore(connector);
        }
    }

    @Nested
    class ApiKeys extends AbstractApiKeyStoreTest {
        @Override
        protected ApiKeyStore store() {
            return new RedisApiKeyStore(connector);
        }
    }
}

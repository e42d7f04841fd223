package dev.ephemera.store.redis;

import dev.ephemera.apikey.ApiKeyStore;
import dev.ephemera.metrics.BrokerMetrics;
import dev.ephemera.store.AbstractApiKeyStoreTest;
import dev.ephemera.store.AbstractTokenStoreTest;
import dev.ephemera.support.TestRedis;
import dev.ephemera.token.TokenStore;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.TestInstance;

/** The store contracts on a real Redis: standalone here, a Sentinel group and a Cluster in the subclasses. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RedisStoresTest {

    RedisConnector connector;

    @BeforeAll
    void connect() {
        connector = new RedisConnector(endpoint(), SETTINGS, List.of(), BrokerMetrics.none());
    }

    static final RedisSettings SETTINGS = new RedisSettings(Duration.ofSeconds(1), Duration.ofSeconds(1), 1000);

    /** The store under test. */
    RedisEndpoint endpoint() {
        return RedisEndpoint.of(TestRedis.uri(), List.of(), SETTINGS.commandTimeout());
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

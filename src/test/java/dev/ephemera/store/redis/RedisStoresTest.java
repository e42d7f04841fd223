package dev.ephemera.store.redis;

import dev.ephemera.apikey.ApiKeyStore;
import dev.ephemera.metrics.BrokerMetrics;
import dev.ephemera.store.AbstractApiKeyStoreTest;
import dev.ephemera.store.AbstractCallStoreTest;
import dev.ephemera.store.AbstractRateLimiterTest;
import dev.ephemera.store.AbstractSessionPlaceStoreTest;
import dev.ephemera.store.AbstractSessionStoreTest;
import dev.ephemera.store.AbstractMoneyLedgerTest;
import dev.ephemera.store.AbstractSessionUsageTest;
import dev.ephemera.store.AbstractTokenStoreTest;
import dev.ephemera.store.AbstractWebhookStoreTest;
import dev.ephemera.store.StoreContract;
import dev.ephemera.support.TestRedis;
import dev.ephemera.token.TokenStore;
import io.micronaut.json.JsonMapper;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.TestInstance;

/**
 * The store contracts on a real Redis: standalone here, a Sentinel group and a Cluster in the subclasses. One Redis
 * per class, emptied before each test; expiries run on Redis's own clock, so time passes by waiting.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RedisStoresTest {

    static final RedisSettings SETTINGS = new RedisSettings(Duration.ofSeconds(1), Duration.ofSeconds(1), 1000);
    static final JsonMapper JSON = JsonMapper.createDefault();

    RedisConnector connector;

    @BeforeAll
    void connect() {
        connector = new RedisConnector(endpoint(), SETTINGS, List.of(), BrokerMetrics.none());
    }

    /** The Redis under test: one these tests started, as they empty it. */
    RedisEndpoint endpoint() {
        return RedisEndpoint.of(TestRedis.ownUri(), List.of(), SETTINGS.commandTimeout());
    }

    /** Every master emptied (a Cluster's too: Lettuce sends FLUSHALL to each), the scripts kept. */
    @BeforeEach
    void empty() {
        connector.<String>callAsync(r -> r.flushall()).toCompletableFuture().join();
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

    @Nested
    class RateLimits extends AbstractRateLimiterTest {
        RateLimits() {
            super(new RedisRateLimiter(connector), StoreContract::sleep);
        }
    }

    @Nested
    class SessionPlaces extends AbstractSessionPlaceStoreTest {
        SessionPlaces() {
            super(new RedisRateLimiter(connector), StoreContract::sleep);
        }
    }

    @Nested
    class Sessions extends AbstractSessionStoreTest {
        Sessions() {
            super(new RedisSessionStore(connector, JSON, Clock.systemUTC()), new RedisRateLimiter(connector),
                    StoreContract::sleep);
        }
    }

    @Nested
    class SessionUsage extends AbstractSessionUsageTest {
        SessionUsage() {
            super(new RedisSessionStore(connector, JSON, Clock.systemUTC()), StoreContract::sleep);
        }
    }

    @Nested
    class MoneyLedgers extends AbstractMoneyLedgerTest {
        MoneyLedgers() {
            super(new RedisSessionStore(connector, JSON, Clock.systemUTC()), StoreContract::sleep);
        }
    }

    @Nested
    class Calls extends AbstractCallStoreTest {
        Calls() {
            super(new RedisCallStore(connector), StoreContract::sleep);
        }
    }

    @Nested
    class Webhooks extends AbstractWebhookStoreTest {
        Webhooks() {
            super(new RedisWebhookStore(connector, JSON), StoreContract::sleep);
        }
    }
}

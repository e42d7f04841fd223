package dev.ephemera.store.memory;

import dev.ephemera.apikey.ApiKeyStore;
import dev.ephemera.store.AbstractApiKeyStoreTest;
import dev.ephemera.store.AbstractCallStoreTest;
import dev.ephemera.store.AbstractRateLimiterTest;
import dev.ephemera.store.AbstractSessionPlaceStoreTest;
import dev.ephemera.store.AbstractSessionStoreTest;
import dev.ephemera.store.AbstractMoneyLedgerTest;
import dev.ephemera.store.AbstractSessionUsageTest;
import dev.ephemera.store.AbstractTokenStoreTest;
import dev.ephemera.store.AbstractWebhookStoreTest;
import dev.ephemera.support.MutableClock;
import dev.ephemera.token.TokenStore;
import java.time.Clock;
import org.junit.jupiter.api.Nested;

/** The store contracts on the in-memory stores, each test with fresh stores on a clock that moves only when told. */
class InMemoryStoresTest {

    private final MutableClock clock = frozen();

    private static MutableClock frozen() {
        MutableClock clock = new MutableClock();
        clock.freeze();
        return clock;
    }

    @Nested
    class Tokens extends AbstractTokenStoreTest {
        private final TokenStore store = new InMemoryTokenStore(Clock.systemUTC());

        @Override
        protected TokenStore store() {
            return store;
        }
    }

    @Nested
    class ApiKeys extends AbstractApiKeyStoreTest {
        private final ApiKeyStore store = new InMemoryApiKeyStore();

        @Override
        protected ApiKeyStore store() {
            return store;
        }
    }

    @Nested
    class RateLimits extends AbstractRateLimiterTest {
        RateLimits() {
            super(new InMemoryRateLimiter(clock), clock::advance);
        }
    }

    @Nested
    class SessionPlaces extends AbstractSessionPlaceStoreTest {
        SessionPlaces() {
            super(new InMemoryRateLimiter(clock), clock::advance);
        }
    }

    @Nested
    class Sessions extends AbstractSessionStoreTest {
        Sessions() {
            super(new InMemorySessionStore(clock), new InMemoryRateLimiter(clock), clock::advance);
        }
    }

    @Nested
    class SessionUsage extends AbstractSessionUsageTest {
        SessionUsage() {
            super(new InMemorySessionStore(clock), clock::advance);
        }
    }

    @Nested
    class MoneyLedgers extends AbstractMoneyLedgerTest {
        MoneyLedgers() {
            super(new InMemorySessionStore(clock), clock::advance);
        }
    }

    @Nested
    class Calls extends AbstractCallStoreTest {
        Calls() {
            super(new InMemoryCallStore(clock), clock::advance);
        }
    }

    @Nested
    class Webhooks extends AbstractWebhookStoreTest {
        Webhooks() {
            super(new InMemoryWebhookStore(clock), clock::advance);
        }
    }
}

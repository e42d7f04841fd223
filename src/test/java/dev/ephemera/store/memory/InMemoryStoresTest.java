package dev.ephemera.store.memory;

import dev.ephemera.apikey.ApiKeyStore;
import dev.ephemera.ratelimit.RateLimiter;
import dev.ephemera.ratelimit.SessionCounter;
import dev.ephemera.session.CallStore;
import dev.ephemera.session.SessionStore;
import dev.ephemera.store.AbstractApiKeyStoreTest;
import dev.ephemera.store.AbstractCallStoreTest;
import dev.ephemera.store.AbstractRateLimiterTest;
import dev.ephemera.store.AbstractSessionCounterTest;
import dev.ephemera.store.AbstractSessionStoreTest;
import dev.ephemera.store.AbstractSessionUsageTest;
import dev.ephemera.store.AbstractTokenStoreTest;
import dev.ephemera.store.AbstractWebhookStoreTest;
import dev.ephemera.support.MutableClock;
import dev.ephemera.token.TokenStore;
import dev.ephemera.webhook.WebhookStore;
import java.time.Clock;
import java.time.Duration;
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
        private final RateLimiter limiter = new InMemoryRateLimiter(clock);

        @Override
        protected RateLimiter limiter() {
            return limiter;
        }

        @Override
        protected void elapse(Duration time) {
            clock.advance(time);
        }
    }

    @Nested
    class SessionPlaces extends AbstractSessionCounterTest {
        private final SessionCounter counter = new InMemoryRateLimiter(clock);

        @Override
        protected SessionCounter counter() {
            return counter;
        }

        @Override
        protected void elapse(Duration time) {
            clock.advance(time);
        }
    }

    @Nested
    class Sessions extends AbstractSessionStoreTest {
        private final SessionStore store = new InMemorySessionStore(clock);

        @Override
        protected SessionStore sessions() {
            return store;
        }

        @Override
        protected void elapse(Duration time) {
            clock.advance(time);
        }
    }

    @Nested
    class SessionUsage extends AbstractSessionUsageTest {
        private final SessionStore store = new InMemorySessionStore(clock);

        @Override
        protected SessionStore sessions() {
            return store;
        }

        @Override
        protected void elapse(Duration time) {
            clock.advance(time);
        }
    }

    @Nested
    class Calls extends AbstractCallStoreTest {
        private final CallStore store = new InMemoryCallStore(clock);

        @Override
        protected CallStore calls() {
            return store;
        }

        @Override
        protected void elapse(Duration time) {
            clock.advance(time);
        }
    }

    @Nested
    class Webhooks extends AbstractWebhookStoreTest {
        private final WebhookStore store = new InMemoryWebhookStore(clock);

        @Override
        protected WebhookStore webhooks() {
            return store;
        }

        @Override
        protected void elapse(Duration time) {
            clock.advance(time);
        }
    }
}

package dev.ephemera.store.memory;

import dev.ephemera.store.AbstractApiKeyStoreTest;
import dev.ephemera.store.AbstractTokenStoreTest;
import dev.ephemera.apikey.ApiKeyStore;
import dev.ephemera.token.TokenStore;
import java.time.Clock;
import org.junit.jupiter.api.Nested;

/** The store contracts on the in-memory stores. */
class InMemoryStoresTest {

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
}

package dev.ephemera.store.memory;

import dev.ephemera.ratelimit.RateLimiter;
import dev.ephemera.ratelimit.SessionPlaceStore;
import dev.ephemera.token.TokenStore;
import java.time.Clock;

/** The in-memory stores without an application context, for unit tests of what uses them. */
public final class MemoryStores {

    private MemoryStores() {
    }

    public static TokenStore tokens(Clock clock) {
        return new InMemoryTokenStore(clock);
    }

    public static RateLimiter rateLimiter(Clock clock) {
        return new InMemoryRateLimiter(clock);
    }

    public static SessionPlaceStore sessionPlaces(Clock clock) {
        return new InMemoryRateLimiter(clock);
    }
}

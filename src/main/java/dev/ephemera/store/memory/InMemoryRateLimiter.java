package dev.ephemera.store.memory;

import dev.ephemera.store.RateLimiter;
import dev.ephemera.store.SessionCounter;
import jakarta.inject.Singleton;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** Rate limits and session counts in this process, with the same fixed-window rule as the Redis twin. */
@Singleton
final class InMemoryRateLimiter implements RateLimiter, SessionCounter {

    private record Window(Instant resetAt, int count) {
    }

    private final Clock clock;
    private final Map<String, Window> windows = new ConcurrentHashMap<>();
    private final Map<String, Integer> sessions = new ConcurrentHashMap<>();

    InMemoryRateLimiter(Clock clock) {
        this.clock = clock;
    }

    @Override
    public Decision acquire(String subject, int limit, Duration window) {
        Instant now = clock.instant();
        Window w = windows.compute(subject, (k, old) -> old == null || !now.isBefore(old.resetAt())
                ? new Window(now.plus(window), 1) : new Window(old.resetAt(), old.count() + 1));
        if (windows.size() > 100_000) {
            windows.values().removeIf(x -> !now.isBefore(x.resetAt()));
        }
        return new Decision(w.count() <= limit, limit, Math.max(0, limit - w.count()),
                Duration.between(now, w.resetAt()));
    }

    @Override
    public boolean open(String keyId, int max, Duration ttl) {
        boolean[] taken = {false};
        sessions.compute(keyId, (k, open) -> {
            int n = open == null ? 0 : open;
            if (n >= max) {
                return n;
            }
            taken[0] = true;
            return n + 1;
        });
        return taken[0];
    }

    @Override
    public void close(String keyId) {
        sessions.computeIfPresent(keyId, (k, open) -> open <= 1 ? null : open - 1);
    }
}

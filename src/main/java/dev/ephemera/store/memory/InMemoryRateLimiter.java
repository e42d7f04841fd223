package dev.ephemera.store.memory;

import dev.ephemera.async.Stages;
import dev.ephemera.ratelimit.RateLimiter;
import dev.ephemera.ratelimit.SessionPlaceStore;
import jakarta.inject.Singleton;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;

/** Rate limits and session counts in this process, with the same fixed-window rule as the Redis twin. */
@Singleton
final class InMemoryRateLimiter implements RateLimiter, SessionPlaceStore {

    private record Window(Instant resetAt, int count) {
    }

    private final Clock clock;
    private final Map<String, Window> windows = new ConcurrentHashMap<>();
    /** Key id -> its sessions' places and when each expires; each map is replaced, never changed. */
    private final Map<String, Map<String, Instant>> sessions = new ConcurrentHashMap<>();

    InMemoryRateLimiter(Clock clock) {
        this.clock = clock;
    }

    @Override
    public CompletionStage<Decision> acquire(String subject, int limit, Duration window) {
        return CompletableFuture.completedFuture(count(subject, limit, window));
    }

    private Decision count(String subject, int limit, Duration window) {
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
    public CompletionStage<Boolean> open(String keyId, String sessionId, int max, Duration lease) {
        return Stages.now(() -> take(keyId, sessionId, max, lease));
    }

    private boolean take(String keyId, String sessionId, int max, Duration lease) {
        Instant now = clock.instant();
        boolean[] taken = {false};
        sessions.compute(keyId, (k, places) -> {
            Map<String, Instant> held = new HashMap<>(places == null ? Map.of() : places);
            held.values().removeIf(expiry -> !now.isBefore(expiry));
            if (held.size() < max) {
                held.put(sessionId, now.plus(lease));
                taken[0] = true;
            }
            return held.isEmpty() ? null : held;
        });
        return taken[0];
    }

    @Override
    public CompletionStage<Void> renew(String keyId, String sessionId, Duration lease) {
        Instant now = clock.instant();
        sessions.computeIfPresent(keyId, (k, places) -> {
            Map<String, Instant> held = new HashMap<>(places);
            held.computeIfPresent(sessionId, (id, expiry) -> now.isBefore(expiry) ? now.plus(lease) : null);
            return held;
        });
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public CompletionStage<Void> close(String keyId, String sessionId) {
        sessions.computeIfPresent(keyId, (k, places) -> {
            Map<String, Instant> held = new HashMap<>(places);
            held.remove(sessionId);
            return held.isEmpty() ? null : held;
        });
        return CompletableFuture.completedFuture(null);
    }
}

package dev.ephemera.store.memory;

import dev.ephemera.session.CallStore;
import jakarta.inject.Singleton;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The calls of a single broker, in a map; a call is taken by removing it, so one caller gets it. A description is
 * kept at most the longest its call may last, as Redis keeps it.
 */
@Singleton
final class InMemoryCallStore implements CallStore {

    private record Held(String call, Instant leaseEnds, Instant forgottenAt) {
    }

    private final Clock clock;
    private final Map<String, Held> calls = new ConcurrentHashMap<>();

    InMemoryCallStore(Clock clock) {
        this.clock = clock;
    }

    @Override
    public CompletionStage<Void> hold(String sessionId, String call, Instant leaseEnds, Duration longest) {
        calls.put(sessionId, new Held(call, leaseEnds, clock.instant().plus(longest)));
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public CompletionStage<Void> drop(String sessionId) {
        calls.remove(sessionId);
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public CompletionStage<List<String>> orphaned(Instant now, int max) {
        List<String> taken = new ArrayList<>();
        Instant at = clock.instant();
        calls.values().removeIf(held -> !held.forgottenAt().isAfter(at));
        for (Map.Entry<String, Held> entry : calls.entrySet()) {
            if (taken.size() < max && entry.getValue().leaseEnds().isBefore(now)
                    && calls.remove(entry.getKey(), entry.getValue())) {
                taken.add(entry.getValue().call());
            }
        }
        return CompletableFuture.completedFuture(taken);
    }
}

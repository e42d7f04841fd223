package dev.ephemera.store.memory;

import dev.ephemera.apikey.ApiKeyRecord;
import dev.ephemera.apikey.ApiKeyStore;
import dev.ephemera.async.Stages;
import jakarta.inject.Singleton;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;

/** API keys in a map; every stage completes at once. */
@Singleton
final class InMemoryApiKeyStore implements ApiKeyStore {

    private final Map<String, ApiKeyRecord> byId = new ConcurrentHashMap<>();

    @Override
    public CompletionStage<Void> create(ApiKeyRecord record) {
        return Stages.now(() -> {
            if (byId.putIfAbsent(record.id(), record) != null) {
                throw new IllegalStateException("duplicate key id " + record.id());
            }
            return null;
        });
    }

    @Override
    public CompletionStage<Optional<ApiKeyRecord>> find(String id) {
        return CompletableFuture.completedFuture(Optional.ofNullable(byId.get(id)));
    }

    @Override
    public CompletionStage<List<ApiKeyRecord>> list() {
        return CompletableFuture.completedFuture(byId.values().stream()
                .sorted(Comparator.comparing(ApiKeyRecord::createdAt).thenComparing(ApiKeyRecord::id))
                .toList());
    }

    @Override
    public CompletionStage<Optional<ApiKeyRecord>> rotate(String id, String newHash, Instant previousValidUntil) {
        return CompletableFuture.completedFuture(Optional.ofNullable(
                byId.computeIfPresent(id, (k, r) -> r.rotated(newHash, previousValidUntil))));
    }

    @Override
    public CompletionStage<Optional<ApiKeyRecord>> revoke(String id, Instant at) {
        return CompletableFuture.completedFuture(Optional.ofNullable(
                byId.computeIfPresent(id, (k, r) -> r.revokedAt() != null ? r : r.revoked(at))));
    }

    @Override
    public CompletionStage<Void> touch(String id, Instant at) {
        byId.computeIfPresent(id, (k, r) -> r.used(at));
        return CompletableFuture.completedFuture(null);
    }
}

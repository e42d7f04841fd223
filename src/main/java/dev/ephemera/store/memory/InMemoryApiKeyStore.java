package dev.ephemera.store.memory;

import dev.ephemera.apikey.ApiKeyRecord;
import dev.ephemera.apikey.ApiKeyStore;
import jakarta.inject.Singleton;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/** API keys in a map. */
@Singleton
final class InMemoryApiKeyStore implements ApiKeyStore {

    private final Map<String, ApiKeyRecord> byId = new ConcurrentHashMap<>();

    @Override
    public void create(ApiKeyRecord record) {
        if (byId.putIfAbsent(record.id(), record) != null) {
            throw new IllegalStateException("duplicate key id " + record.id());
        }
    }

    @Override
    public Optional<ApiKeyRecord> find(String id) {
        return Optional.ofNullable(byId.get(id));
    }

    @Override
    public List<ApiKeyRecord> list() {
        return byId.values().stream()
                .sorted(Comparator.comparing(ApiKeyRecord::createdAt).thenComparing(ApiKeyRecord::id))
                .toList();
    }

    @Override
    public Optional<ApiKeyRecord> rotate(String id, String newHash, Instant previousValidUntil) {
        return Optional.ofNullable(byId.computeIfPresent(id, (k, r) -> r.rotated(newHash, previousValidUntil)));
    }

    @Override
    public Optional<ApiKeyRecord> revoke(String id, Instant at) {
        return Optional.ofNullable(byId.computeIfPresent(id, (k, r) -> r.revokedAt() != null ? r : r.revoked(at)));
    }

    @Override
    public void touch(String id, Instant at) {
        byId.computeIfPresent(id, (k, r) -> r.used(at));
    }
}

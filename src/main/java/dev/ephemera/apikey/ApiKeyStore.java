package dev.ephemera.apikey;

import dev.ephemera.error.Stores;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionStage;

/**
 * API keys, shared by every replica and read on every request, so that a revocation on one replica holds on all
 * of them at the next request (no cache). Every method throws {@link StoreUnavailableException} when the store
 * cannot be reached in time.
 */
public interface ApiKeyStore {

    /** Stores a new key. */
    void create(ApiKeyRecord record);

    /** The key with this id, revoked ones included; empty when there is none. */
    Optional<ApiKeyRecord> find(String id);

    /**
     * {@link #find} without blocking the calling thread: the stage completes with the key, or exceptionally with
     * {@link StoreUnavailableException}. Implementations without I/O may complete at once.
     */
    default CompletionStage<Optional<ApiKeyRecord>> findAsync(String id) {
        return Stores.now(() -> find(id));
    }

    /** Every key, revoked ones included, oldest first. */
    List<ApiKeyRecord> list();

    /**
     * Makes {@code newHash} the key's secret and keeps the current one valid until {@code previousValidUntil}.
     * Returns the updated record, or empty when there is no such key.
     */
    Optional<ApiKeyRecord> rotate(String id, String newHash, Instant previousValidUntil);

    /** Marks the key revoked at {@code at}; returns the updated record, or empty when there is no such key. */
    Optional<ApiKeyRecord> revoke(String id, Instant at);

    /** Records that the key was used at {@code at}. Best effort: a failure here must not fail the request. */
    void touch(String id, Instant at);
}

package dev.ephemera.apikey;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionStage;

/**
 * API keys, shared by every replica and read on every request, so that a revocation on one replica holds on all
 * of them at the next request (no cache). Nothing here blocks the calling thread: every stage fails with
 * {@code store_unavailable} when the store cannot be reached in time.
 */
public interface ApiKeyStore {

    /** Stores a new key. */
    CompletionStage<Void> create(ApiKeyRecord record);

    /** The key with this id, revoked ones included; empty when there is none. */
    CompletionStage<Optional<ApiKeyRecord>> find(String id);

    /** Every key, revoked ones included, oldest first. */
    CompletionStage<List<ApiKeyRecord>> list();

    /**
     * Makes {@code newHash} the key's secret and keeps the current one valid until {@code previousValidUntil}.
     * Gives the updated record, or empty when there is no such key.
     */
    CompletionStage<Optional<ApiKeyRecord>> rotate(String id, String newHash, Instant previousValidUntil);

    /** Marks the key revoked at {@code at}; gives the updated record, or empty when there is no such key. */
    CompletionStage<Optional<ApiKeyRecord>> revoke(String id, Instant at);

    /** Records that the key was used at {@code at}. Best effort: a failure here must not fail the request. */
    CompletionStage<Void> touch(String id, Instant at);
}

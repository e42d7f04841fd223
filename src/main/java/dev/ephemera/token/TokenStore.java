package dev.ephemera.token;

import dev.ephemera.error.Stores;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionStage;

/**
 * Where tokens live between mint and last use, shared by every replica. Records are keyed by the SHA-256 of the
 * token's value, never the value. Every method throws {@link StoreUnavailableException} when the store cannot be
 * reached in time; callers must then refuse, never grant.
 */
public interface TokenStore {

    /**
     * How long a record is kept past its expiry, so that a late presentation is told {@code expired_token} or
     * {@code token_already_used} rather than {@code invalid_token}. After this the store forgets it.
     */
    Duration RETENTION_AFTER_EXPIRY = Duration.ofSeconds(30);

    /** Stores a newly minted token, indexed by its hash, its id and the key that minted it. */
    void save(TokenRecord record);

    /**
     * {@link #save} without blocking the calling thread: the stage completes once the token is stored, or
     * exceptionally with {@link StoreUnavailableException}. Implementations without I/O may complete at once.
     */
    default CompletionStage<Void> saveAsync(TokenRecord record) {
        return Stores.now(() -> {
            save(record);
            return null;
        });
    }

    /** The record stored under {@code secretHash}, or empty when unknown, revoked or forgotten. */
    Optional<TokenRecord> find(String secretHash);

    /**
     * Deletes a record that was saved for a mint that was then refused (its value never left the broker), with
     * its id and its entry in the minting key's index. Without blocking, as {@link #saveAsync}.
     */
    default CompletionStage<Void> discardAsync(TokenRecord record) {
        return Stores.now(() -> {
            revoke(record.secretHash());
            return null;
        });
    }

    /** {@link #find} without blocking, as {@link #saveAsync}. */
    default CompletionStage<Optional<TokenRecord>> findAsync(String secretHash) {
        return Stores.now(() -> find(secretHash));
    }

    /** The record with handle {@code id}, or empty when unknown, revoked or forgotten. */
    Optional<TokenRecord> findById(String id);

    /**
     * Atomically: finds the token, checks that it is not expired at {@code now}, matches {@code expected} and has a
     * use left, and takes one use. Of any number of concurrent calls, on any replicas, no more succeed than the
     * token has uses. A mismatch or an expired token consumes nothing.
     */
    Redemption consume(String secretHash, Binding expected, Instant now);

    /** {@link #consume} without blocking, as {@link #saveAsync}; just as atomic. */
    default CompletionStage<Redemption> consumeAsync(String secretHash, Binding expected, Instant now) {
        return Stores.now(() -> consume(secretHash, expected, now));
    }

    /** Deletes the token stored under {@code secretHash}; returns the record it deleted, if any. */
    Optional<TokenRecord> revoke(String secretHash);

    /** Deletes the token with handle {@code id}; returns the record it deleted, if any. */
    Optional<TokenRecord> revokeById(String id);

    /** Ids of the tokens minted by {@code keyId} that have not yet expired at {@code now}. */
    List<String> idsMintedBy(String keyId, Instant now);

    /** Whether the store answers right now; never throws. */
    boolean isReachable();
}

package dev.ephemera.token;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionStage;

/**
 * Where tokens live between mint and last use, shared by every replica. Records are keyed by the SHA-256 of the
 * token's value, never the value. Nothing here blocks the calling thread: every stage fails with
 * {@code store_unavailable} when the store cannot be reached in time; callers must then refuse, never grant.
 */
public interface TokenStore {

    /**
     * How long a record is kept past its expiry, so that a late presentation is told {@code expired_token} or
     * {@code token_already_used} rather than {@code invalid_token}. After this the store forgets it.
     */
    Duration RETENTION_AFTER_EXPIRY = Duration.ofSeconds(30);

    /** Stores a newly minted token, indexed by its hash, its id and the key that minted it. */
    CompletionStage<Void> save(TokenRecord record);

    /** The record stored under {@code secretHash}, or empty when unknown, revoked or forgotten. */
    CompletionStage<Optional<TokenRecord>> find(String secretHash);

    /**
     * Deletes a record that was saved for a mint that was then refused (its value never left the broker), with
     * its id and its entry in the minting key's index.
     */
    default CompletionStage<Void> discard(TokenRecord record) {
        return revoke(record.secretHash()).thenApply(gone -> null);
    }

    /** The record with handle {@code id}, or empty when unknown, revoked or forgotten. */
    CompletionStage<Optional<TokenRecord>> findById(String id);

    /**
     * Atomically: finds the token, checks that it is not expired at {@code now}, matches {@code expected} and has a
     * use left, and takes one use. Of any number of concurrent calls, on any replicas, no more succeed than the
     * token has uses. A mismatch or an expired token consumes nothing.
     */
    CompletionStage<Redemption> consume(String secretHash, Binding expected, Instant now);

    /** Deletes the token stored under {@code secretHash}; gives the record it deleted, if any. */
    CompletionStage<Optional<TokenRecord>> revoke(String secretHash);

    /** Deletes the token with handle {@code id}; gives the record it deleted, if any. */
    CompletionStage<Optional<TokenRecord>> revokeById(String id);

    /**
     * Ids of the tokens minted by {@code keyId} that have not yet expired at {@code now}, or are kept for a session
     * ({@link #retain}).
     */
    CompletionStage<List<String>> idsMintedBy(String keyId, Instant now);

    /**
     * Keeps the token with handle {@code id}, minted by {@code keyId}, at least until {@code until} (never shorter
     * than it was), for a realtime session opened with it: revoking the token, by value, by handle or with its key,
     * must still find it and end the session after the token expired. It stays expired.
     */
    CompletionStage<Void> retain(String id, String keyId, Instant until);

    /**
     * The sessions that had the token with handle {@code id} {@link #retain retained} ended: it is kept only as its
     * own expiry ({@code expiresAt}) says, {@link #RETENTION_AFTER_EXPIRY} after it (forgotten at once when that has
     * passed). Its receipt outlives it.
     */
    CompletionStage<Void> endRetention(String id, Instant expiresAt);

    /** Whether the store answers right now; the stage never fails. */
    CompletionStage<Boolean> isReachable();
}

package dev.ephemera.session;

import io.micronaut.core.annotation.Nullable;
import java.time.Duration;
import java.time.LocalDate;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.function.BiConsumer;

/**
 * Live relay sessions, token receipts and usage, shared by every replica (SPEC §11). A replica holds its live
 * sessions with one heartbeat ({@link #renew}), not one renewal each; the sessions of a replica that stops beating
 * are removed by another. A receipt is
 * kept {@link #RECEIPT_RETENTION} after it was last written. Usage counts are added atomically, each count on its
 * own. Every stage fails with {@code store_unavailable} when the store cannot be reached; none blocks.
 */
public interface SessionStore {

    /** How long a token's receipt and a key's daily usage are kept after they were last written. */
    Duration RECEIPT_RETENTION = Duration.ofHours(24);

    /** Usage added, and what the caller must know after it. */
    record Added(Usage tokenTotal, @Nullable String endRequested) {
    }

    /**
     * Registers {@code session} as live, kept at most {@code lease} (as long as it may last), and on its token's
     * receipt (made from {@code token});
     * answers why the token was revoked if it already was (a revocation between the session's redemption and this
     * registration found no session to end: the caller ends it).
     */
    CompletionStage<Optional<String>> open(LiveSession session, TokenFacts token, Duration lease);

    /**
     * This replica's heartbeat: it holds the live sessions {@code sessionIds} (all of its, none at times) for another
     * {@code lease}; answers those among them that were asked to end, with the reason.
     */
    CompletionStage<Map<String, String>> renew(Collection<String> sessionIds, Duration lease);

    /**
     * Adds {@code usage} to the live session {@code sessionId} (none for a relayed HTTP request), to the token's
     * receipt and to its key's total of {@code day}; answers the token's total so far and whether the session was
     * asked to end.
     */
    CompletionStage<Added> add(@Nullable String sessionId, TokenFacts token, Usage usage, LocalDate day);

    /** {@code session} ended: it leaves the live ones; its receipt entry gets the time, the reason and its usage. */
    CompletionStage<Void> close(LiveSession session, String reason, long closedAt);

    /**
     * Asks the live session {@code sessionId} to end, wherever it runs: it is marked, and every replica is told
     * ({@link #onEndRequested}). False when there is no such live session.
     */
    CompletionStage<Boolean> requestEnd(String sessionId, String reason);

    /**
     * The token was revoked at {@code at} (epoch seconds): its receipt says so, and every live session opened with
     * it is asked to end with {@code reason}. Answers how many were.
     */
    CompletionStage<Integer> revoked(TokenFacts token, long at, String reason);

    /** The live sessions of {@code keyId}, or of every key when it is null. */
    CompletionStage<List<LiveSession>> live(@Nullable String keyId);

    /** The live session {@code sessionId}. */
    CompletionStage<Optional<LiveSession>> find(String sessionId);

    /**
     * The receipt of token {@code tokenId} as the store keeps it (its state as far as the receipt knows: revoked,
     * or {@code expired} once past its expiry), or empty when no session, usage or revocation was ever recorded.
     */
    CompletionStage<Optional<Receipt>> receipt(String tokenId, long now);

    /**
     * Reserves the output of one relayed request of token {@code tokenId} under {@code limits} (SPEC §7: a request
     * counts when it is forwarded; while others are outstanding, the next is capped at what would be left if they
     * used their caps). Atomically: refused (empty) when the responses done and outstanding reach
     * {@code maxResponses}, or when nothing is left of {@code maxTotalTokens} after the tokens used and reserved;
     * else what is left is reserved and answered (0 without a limit of tokens). Every grant is followed by one
     * {@link #settle} of what it answered.
     */
    CompletionStage<Optional<Long>> reserve(String tokenId, @Nullable Long maxTotalTokens,
            @Nullable Long maxResponses);

    /**
     * Settles a relayed request that {@link #reserve} granted {@code reservedTokens}: adds its {@code usage} (none
     * when it produced nothing) as {@link #add} does, and gives its reservation back in the same step on the
     * receipt, so that no reader sees the request neither counted nor reserved.
     */
    CompletionStage<Void> settle(TokenFacts token, long reservedTokens, Usage usage, LocalDate day);

    /** What token {@code tokenId}'s sessions and requests used so far, from its receipt (none: nothing yet). */
    CompletionStage<Usage> usage(String tokenId);

    /** What {@code keyId}'s tokens used on {@code day} (UTC). */
    CompletionStage<Usage> day(String keyId, LocalDate day);

    /**
     * Calls {@code listener} with the id and reason of each session any replica asks to end, on a thread of the
     * store's; the listener must not block.
     */
    void onEndRequested(BiConsumer<String, String> listener);
}

package dev.ephemera.session;

import dev.ephemera.token.UsageLimits;
import io.micronaut.core.annotation.Nullable;
import java.time.Duration;
import java.time.Instant;
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

    /** How long a key's daily and monthly counts (and a subject's daily spend) are kept: for {@code /v1/usage}. */
    Duration USAGE_RETENTION = Duration.ofDays(62);

    /**
     * Usage added, and what the caller must know after it: the token's total, whether the session was asked to end,
     * and the money reserved by the turn ({@link MoneyTurn}: -1 when less than its {@code atLeast} was left, so
     * nothing was reserved; 0 when it asked for none).
     */
    record Added(Usage tokenTotal, @Nullable EndRequest endRequested, long granted) {

        public Added(Usage tokenTotal, @Nullable EndRequest endRequested) {
            this(tokenTotal, endRequested, 0);
        }
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
     * {@code lease}; answers those among them that were asked to end, with the request.
     */
    CompletionStage<Map<String, EndRequest>> renew(Collection<String> sessionIds, Duration lease);

    /**
     * Adds {@code usage} to the live session {@code sessionId} (none for a relayed HTTP request), to the token's
     * receipt and to its key's total of {@code day}; answers the token's total so far and whether the session was
     * asked to end.
     */
    default CompletionStage<Added> add(@Nullable String sessionId, TokenFacts token, Usage usage, LocalDate day) {
        return add(sessionId, token, usage, day, MoneyTurn.count(UsageLimits.NONE, null));
    }

    /**
     * {@link #add}, and in the same step the money {@code turn} on the token's key's ledgers: the usage's cost added to
     * the key's day and month (and, under their limits, to the token's and its subject's day), the turn's release
     * given back, its reservation made. The ledgers of one key live together (one script in Redis, Cluster-safe).
     */
    CompletionStage<Added> add(@Nullable String sessionId, TokenFacts token, Usage usage, LocalDate day,
            MoneyTurn turn);

    /** Only the money {@code turn} of {@link #add} (nothing used): answers what it reserved, or -1. */
    CompletionStage<Long> reserveMoney(TokenFacts token, MoneyTurn turn, LocalDate day);

    /**
     * What is left under the key's and the subject's money budgets of {@code limits} for a token of key
     * {@code keyId} and {@code subject} on {@code day}, once everything spent and reserved is counted (the tightest
     * of them; more than any budget when none holds): a {@link #reserveMoney} that only asks. For a mint: a budget
     * already spent refuses it.
     */
    default CompletionStage<Long> moneyLeft(String keyId, @Nullable String subject, UsageLimits limits,
            LocalDate day) {
        TokenFacts anyToken = new TokenFacts("-", keyId, "", null, subject, null, "", 0, 0, Instant.EPOCH,
                Instant.EPOCH);
        return reserveMoney(anyToken, MoneyTurn.left(limits.withMaxCost(null), day), day);
    }

    /** {@code session} ended: it leaves the live ones; its receipt entry gets the time, the reason and its usage. */
    CompletionStage<Void> close(LiveSession session, String reason, long closedAt);

    /**
     * Asks the live session {@code sessionId} to end, wherever it runs: it is marked with the request (its reason and
     * the time now, the first request's staying), and every replica is told ({@link #onEndRequested}). False when
     * there is no such live session.
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
    CompletionStage<Void> settle(TokenFacts token, long reservedTokens, Usage usage, LocalDate day, MoneyTurn turn);

    /**
     * The keys that used anything on {@code day}, as far as the store keeps them ({@link #USAGE_RETENTION}), for
     * {@code /v1/usage}.
     */
    CompletionStage<List<String>> keysUsing(LocalDate day);

    /**
     * {@code keyId}'s usage of {@code day}, per group: provider, model and subject, each with its counts and cost.
     */
    CompletionStage<List<GroupUsage>> dayGroups(String keyId, LocalDate day);

    /** One group's usage of one day of one key. */
    record GroupUsage(String keyId, LocalDate day, String provider, String model, String subject, Usage usage) {
    }

    /** What token {@code tokenId}'s sessions and requests used so far, from its receipt (none: nothing yet). */
    CompletionStage<Usage> usage(String tokenId);

    /** What {@code keyId}'s tokens used on {@code day} (UTC). */
    CompletionStage<Usage> day(String keyId, LocalDate day);

    /**
     * Calls {@code listener} with the id and the request of each session any replica asks to end, on a thread of
     * the store's; the listener must not block.
     */
    void onEndRequested(BiConsumer<String, EndRequest> listener);
}

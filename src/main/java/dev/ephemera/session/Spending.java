package dev.ephemera.session;

import dev.ephemera.logging.RepeatedLog;
import dev.ephemera.metrics.BrokerMetrics;
import dev.ephemera.metrics.ModelLabels;
import dev.ephemera.ratelimit.DailyUsage;
import dev.ephemera.token.RedeemedToken;
import dev.ephemera.token.UsageLimits;
import io.micronaut.core.annotation.Nullable;
import jakarta.inject.Singleton;
import java.time.Clock;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.slf4j.LoggerFactory;

/**
 * What tokens use and spend outside a live session's own bookkeeping (SPEC §11): the usage and cost of relayed HTTP
 * requests, their reservations of tokens, a session's money turns of its own (its first grant, its last release),
 * what a key used today and what its budgets of money leave (for the mint), and the usage and cost metrics.
 */
@Singleton
public final class Spending implements DailyUsage {

    private static final RepeatedLog REPEATED = new RepeatedLog(LoggerFactory.getLogger(Spending.class));

    private final SessionStore store;
    private final Clock clock;
    private final BrokerMetrics metrics;
    /** The model labels of the usage metrics: the profiles' models; any other model counts as "other". */
    private final ModelLabels models;

    Spending(SessionStore store, Clock clock, BrokerMetrics metrics, ModelLabels models) {
        this.store = store;
        this.clock = clock;
        this.metrics = metrics;
        this.models = models;
    }

    /** Today, in UTC: the day usage is counted on and money reserved. */
    public LocalDate today() {
        return LocalDate.ofInstant(clock.instant(), ZoneOffset.UTC);
    }

    /**
     * Adds usage of a relayed request that is not a session (the HTTP relay), priced at {@code model} (null: the
     * token's); answers the token's total.
     */
    public CompletionStage<Usage> add(RedeemedToken token, Usage usage, @Nullable String model) {
        counted(token.provider(), model != null ? model : token.model(), usage);
        return store.add(null, TokenFacts.of(token), usage, today(), MoneyTurn.count(token.limits(), model))
                .thenApply(SessionStore.Added::tokenTotal)
                .whenComplete((total, failed) -> {
                    if (failed != null) {
                        REPEATED.warn("Usage of a relayed request could not be recorded: {}",
                                failed.getClass().getSimpleName());
                    }
                });
    }

    /** Counts {@code usage} in the usage and cost metrics, by provider and model. */
    void counted(String provider, @Nullable String model, Usage usage) {
        metrics.usage(provider, models.of(model), usage.inputTokens(),
                usage.outputTokens(), usage.responses());
        if (usage.costMicros() > 0) {
            metrics.cost(provider, models.of(model), usage.costMicros());
        }
    }

    /**
     * One money {@code turn} of {@code token}'s alone (no usage with it): a session's first grant at its admission,
     * or all it holds given back at its end. Answers what was reserved (-1: less than the turn's least was left).
     */
    public CompletionStage<Long> turn(TokenFacts token, MoneyTurn turn) {
        return store.reserveMoney(token, turn, today());
    }


    /**
     * Reserves the output of one relayed request under the token's limits ({@link SessionStore#reserve}): the
     * tokens reserved (0 without a limit of tokens), or empty when a limit is reached counting the outstanding.
     */
    public CompletionStage<Optional<Long>> reserve(String tokenId, @Nullable Long maxTotalTokens,
            @Nullable Long maxResponses) {
        return store.reserve(tokenId, maxTotalTokens, maxResponses);
    }

    /**
     * Settles a relayed request that {@link #reserve} granted {@code reservedTokens}: its {@code usage} (none: it
     * produced nothing) counted and the reservation given back in one step; a failure only leaves it reserved (the
     * budget errs towards refusing).
     */
    public void settle(RedeemedToken token, long reservedTokens, Usage usage, MoneyTurn turn) {
        if (!usage.isNone()) {
            counted(token.provider(), turn.model() != null ? turn.model() : token.model(), usage);
        }
        store.settle(TokenFacts.of(token), reservedTokens, usage, today(), turn).whenComplete((done, failed) -> {
            if (failed != null) {
                REPEATED.warn("A relayed request could not be settled: {}", failed.getClass().getSimpleName());
            }
        });
    }

    /** What the token's sessions and relayed requests used so far. */
    public CompletionStage<Usage> tokenUsage(String tokenId) {
        return store.usage(tokenId);
    }

    @Override
    public CompletionStage<Long> tokensToday(String keyId) {
        return store.day(keyId, today()).thenApply(Usage::totalTokens);
    }

    @Override
    public CompletionStage<Long> moneyLeft(String keyId, @Nullable String subject, @Nullable Long keyPerDay,
            @Nullable Long keyPerMonth, @Nullable Long subjectPerDay) {
        if (keyPerDay == null && keyPerMonth == null && subjectPerDay == null) {
            return CompletableFuture.completedFuture(Long.MAX_VALUE);
        }
        UsageLimits budgets = UsageLimits.NONE.withKeyBudgets(keyPerDay, keyPerMonth).withSubjectBudget(
                subjectPerDay);
        return store.moneyLeft(keyId, subject, budgets, today());
    }
}

package dev.ephemera.ratelimit;

import dev.ephemera.auth.Caller;
import dev.ephemera.auth.KeyBudget;
import dev.ephemera.error.BrokerException;
import dev.ephemera.error.ErrorCode;
import dev.ephemera.error.RateLimitedException;
import io.micronaut.core.annotation.Nullable;
import jakarta.inject.Singleton;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * The mint limits of SPEC §7: mints per API key, per user and per client IP (one store step each, consistent
 * across replicas), then a key's budgets (tokens per day; money per day and month) and the budget of money of the
 * token's subject (SPEC §11). When the store is down every check fails closed. Sessions open at once per key are
 * {@link SessionPlaces}'.
 */
@Singleton
public final class MintLimits {

    private static final Duration MINUTE = Duration.ofMinutes(1);

    private final RateLimiter limiter;
    private final RateLimitConfiguration config;
    private final DailyUsage usage;

    MintLimits(RateLimiter limiter, RateLimitConfiguration config, DailyUsage usage) {
        this.usage = usage;
        this.limiter = limiter;
        this.config = config;
    }

    /**
     * Counts one mint by {@code caller} of a token for {@code subject}: per API key, or per user for user JWTs; then
     * a key with a budget must not have spent it, nor the subject its {@code subjectMicrosPerDay} (null: none) with
     * the key's tokens, counting what open sessions hold in reserve. The stage fails with
     * {@link RateLimitedException} when over the limit, with {@code quota_exceeded} when a budget is spent, or with
     * {@code store_unavailable}.
     */
    public CompletionStage<Void> mintAsync(Caller caller, @Nullable String subject,
            @Nullable Long subjectMicrosPerDay) {
        KeyBudget budget = caller.budget();
        CompletionStage<Void> checked = rateAsync(caller);
        if (budget.tokensPerDay() != null) {
            checked = checked.thenCompose(rate -> tokensAsync(caller.id(), budget.tokensPerDay()));
        }
        if (budget.hasMoney() || subjectMicrosPerDay != null) {
            checked = checked.thenCompose(rate -> usage.moneyLeft(caller.id(), subject, budget.microsPerDay(),
                    budget.microsPerMonth(), subjectMicrosPerDay).thenCompose(left -> left > 0 ? admitted()
                            : spent(caller.id(), subject, budget, subjectMicrosPerDay)));
        }
        return checked;
    }

    private CompletionStage<Void> tokensAsync(String keyId, long budget) {
        return usage.tokensToday(keyId).thenAccept(spent -> {
            if (spent >= budget) {
                throw new BrokerException(ErrorCode.QUOTA_EXCEEDED, "This key's tokens have used its budget of "
                        + budget + " tokens for today (UTC); mints resume tomorrow, or when an admin raises "
                        + "'budget.tokens_per_day'.");
            }
        });
    }

    /**
     * The refusal of a mint whose money is spent, naming the budget: each one asked alone, which only a refusal
     * pays for. No amount is named, and never the subject.
     */
    private CompletionStage<Void> spent(String keyId, @Nullable String subject, KeyBudget budget,
            @Nullable Long subjectMicrosPerDay) {
        CompletableFuture<Long> day = usage.moneyLeft(keyId, subject, budget.microsPerDay(), null, null)
                .toCompletableFuture();
        CompletableFuture<Long> month = usage.moneyLeft(keyId, subject, null, budget.microsPerMonth(), null)
                .toCompletableFuture();
        CompletableFuture<Long> person = usage.moneyLeft(keyId, subject, null, null, subjectMicrosPerDay)
                .toCompletableFuture();
        return CompletableFuture.allOf(day, month, person).thenRun(() -> {
            String held = " (spent, or held for the responses of its open sessions)";
            throw new BrokerException(ErrorCode.QUOTA_EXCEEDED, day.join() <= 0
                    ? "This key's budget of money for today (UTC), 'budget.usd_per_day', is used up" + held
                            + "; mints resume tomorrow, or when an admin raises it."
                    : month.join() <= 0
                    ? "This key's budget of money for this month (UTC), 'budget.usd_per_month', is used up" + held
                            + "; mints resume next month, or when an admin raises it."
                    : person.join() <= 0
                    ? "This user's budget of money for today (UTC), the profile's 'per-subject-budget.usd-per-day', "
                            + "is used up" + held + "; mints for this user resume tomorrow."
                    : "This key's budgets of money are used up" + held + "; try again when its sessions end.");
        });
    }

    private CompletionStage<Void> rateAsync(Caller caller) {
        return caller.user()
                ? checkAsync("user", "sub:" + caller.id(), config.perSubjectPerMinute())
                : checkAsync("API key", "key:" + caller.id(), caller.rateLimitPerMinute() != null
                        ? caller.rateLimitPerMinute() : config.perKeyPerMinute());
    }

    /**
     * Counts one browser mint ({@code /realtime-token}): per client IP, then as {@link #mintAsync}; the stage fails
     * as its.
     */
    public CompletionStage<Void> browserMintAsync(Caller caller, @Nullable String clientIp, @Nullable String subject,
            @Nullable Long subjectMicrosPerDay) {
        CompletionStage<Void> byAddress = clientIp == null ? admitted()
                : checkAsync("client address", "ip:" + clientIp, config.perIpPerMinute());
        return byAddress.thenCompose(counted -> mintAsync(caller, subject, subjectMicrosPerDay));
    }

    private static CompletionStage<Void> admitted() {
        return CompletableFuture.completedFuture(null);
    }

    private CompletionStage<Void> checkAsync(String what, String subject, int limit) {
        return limiter.acquire(subject, limit, MINUTE).thenAccept(d -> {
            if (!d.allowed()) {
                throw new RateLimitedException(what, limit, MINUTE, d.resetAfter());
            }
        });
    }
}

package dev.ephemera.ratelimit;

import dev.ephemera.auth.Caller;
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
 * across replicas), and a key's daily budget. When the store is down every check fails closed. Sessions open at
 * once per key are {@link SessionPlaces}'.
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
     * Counts one mint by {@code caller}: per API key, or per user for user JWTs; a key with a budget must not have
     * spent it today. The stage fails with {@link RateLimitedException} when over the limit, with
     * {@code quota_exceeded} when the budget is spent, or with {@code store_unavailable}.
     */
    public CompletionStage<Void> mintAsync(Caller caller) {
        Long budget = caller.tokensPerDay();
        CompletionStage<Void> rate = rateAsync(caller);
        return budget == null ? rate : rate.thenCompose(admitted -> usage.tokensToday(caller.id())).thenAccept(
                spent -> {
                    if (spent >= budget) {
                        throw new BrokerException(ErrorCode.QUOTA_EXCEEDED, "This key's tokens have used its budget "
                                + "of " + budget + " tokens for today (UTC); mints resume tomorrow, or when an admin "
                                + "raises 'budget.tokens_per_day'.");
                    }
                });
    }

    private CompletionStage<Void> rateAsync(Caller caller) {
        return caller.user()
                ? checkAsync("user", "sub:" + caller.id(), config.perSubjectPerMinute())
                : checkAsync("API key", "key:" + caller.id(), caller.rateLimitPerMinute() != null
                        ? caller.rateLimitPerMinute() : config.perKeyPerMinute());
    }

    /**
     * Counts one browser mint ({@code /realtime-token}): per client IP, then per caller; the stage fails as
     * {@link #mintAsync}'s.
     */
    public CompletionStage<Void> browserMintAsync(Caller caller, @Nullable String clientIp) {
        CompletionStage<Void> byAddress = clientIp == null ? CompletableFuture.completedFuture(null)
                : checkAsync("client address", "ip:" + clientIp, config.perIpPerMinute());
        return byAddress.thenCompose(admitted -> mintAsync(caller));
    }

    private CompletionStage<Void> checkAsync(String what, String subject, int limit) {
        return limiter.acquire(subject, limit, MINUTE).thenAccept(d -> {
            if (!d.allowed()) {
                throw new RateLimitedException(what, limit, MINUTE, d.resetAfter());
            }
        });
    }
}

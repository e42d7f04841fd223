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
import java.util.concurrent.TimeUnit;

/**
 * The limits of SPEC §7: mints per API key, per user and per client IP (one store step each, consistent across
 * replicas), and realtime sessions open at once per API key. When the store is down every check fails closed.
 */
@Singleton
public final class MintLimits {

    private static final Duration MINUTE = Duration.ofMinutes(1);
    /** How often a failed hold of a session's place is tried again. */
    private static final int HOLD_RETRIES = 3;

    private final RateLimiter limiter;
    private final SessionCounter sessions;
    private final RateLimitConfiguration config;
    private final DailyUsage usage;

    MintLimits(RateLimiter limiter, SessionCounter sessions, RateLimitConfiguration config, DailyUsage usage) {
        this.usage = usage;
        this.limiter = limiter;
        this.sessions = sessions;
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

    /**
     * Takes a place among the realtime sessions of the API key that minted a token, held for {@code lease} unless
     * renewed. The stage fails with {@code rate_limit_exceeded} when the key has its maximum of sessions open.
     */
    public CompletionStage<Void> openSession(String keyId, String sessionId, Duration lease) {
        return sessions.open(keyId, sessionId, config.maxConcurrentSessionsPerKey(), lease).thenAccept(taken -> {
            if (!taken) {
                throw new RateLimitedException("API key's concurrent realtime sessions",
                        config.maxConcurrentSessionsPerKey(), lease, Duration.ofSeconds(5));
            }
        });
    }

    /**
     * Holds a live session's place for {@code lease} from now (once, as long as the session may last); a failure
     * ends no session and is tried again after 1, 2 and 4 s (a place already given back or lapsed stays gone), so
     * that a store's hiccup does not let the place lapse under a live session.
     */
    public void renewSession(String keyId, String sessionId, Duration lease) {
        hold(keyId, sessionId, lease, 1);
    }

    private void hold(String keyId, String sessionId, Duration lease, int attempt) {
        sessions.renew(keyId, sessionId, lease).exceptionally(failed -> {
            if (attempt <= HOLD_RETRIES) {
                long delay = 1L << (attempt - 1);
                CompletableFuture.delayedExecutor(delay, TimeUnit.SECONDS).execute(
                        () -> hold(keyId, sessionId, lease.minusSeconds(delay), attempt + 1));
            }
            return null;
        });
    }

    /** Gives the place back; best effort (the place also expires with its lease). */
    public void closeSession(String keyId, String sessionId) {
        sessions.close(keyId, sessionId).exceptionally(failed -> null);
    }

    private CompletionStage<Void> checkAsync(String what, String subject, int limit) {
        return limiter.acquire(subject, limit, MINUTE).thenAccept(d -> {
            if (!d.allowed()) {
                throw new RateLimitedException(what, limit, MINUTE, d.resetAfter());
            }
        });
    }
}

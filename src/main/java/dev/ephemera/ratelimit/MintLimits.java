package dev.ephemera.ratelimit;

import dev.ephemera.auth.Caller;
import dev.ephemera.store.RateLimiter;
import dev.ephemera.store.SessionCounter;
import dev.ephemera.store.Stores;
import dev.ephemera.web.BrokerException;
import dev.ephemera.web.RateLimitedException;
import io.micronaut.core.annotation.Nullable;
import jakarta.inject.Singleton;
import java.time.Duration;
import java.util.concurrent.CompletionStage;

/**
 * The limits of SPEC §7: mints per API key, per user and per client IP (one store step each, consistent across
 * replicas), and realtime sessions open at once per API key. When the store is down every check fails closed.
 */
@Singleton
public final class MintLimits {

    private static final Duration MINUTE = Duration.ofMinutes(1);

    private final RateLimiter limiter;
    private final SessionCounter sessions;
    private final RateLimitConfiguration config;

    MintLimits(RateLimiter limiter, SessionCounter sessions, RateLimitConfiguration config) {
        this.limiter = limiter;
        this.sessions = sessions;
        this.config = config;
    }

    /**
     * Counts one mint by {@code caller}: per API key, or per user for user JWTs.
     *
     * @throws RateLimitedException when over the limit
     */
    public void mint(Caller caller) {
        Stores.join(mintAsync(caller));
    }

    /**
     * {@link #mint} without blocking: the stage fails with {@link RateLimitedException} when over the limit, or
     * with {@code store_unavailable}.
     */
    public CompletionStage<Void> mintAsync(Caller caller) {
        return caller.user()
                ? checkAsync("user", "sub:" + caller.id(), config.perSubjectPerMinute())
                : checkAsync("API key", "key:" + caller.id(), caller.rateLimitPerMinute() != null
                        ? caller.rateLimitPerMinute() : config.perKeyPerMinute());
    }

    /**
     * Counts one browser mint ({@code /realtime-token}): per client IP, then per caller.
     *
     * @throws RateLimitedException when over a limit
     */
    public void browserMint(Caller caller, @Nullable String clientIp) {
        if (clientIp != null) {
            check("client address", "ip:" + clientIp, config.perIpPerMinute());
        }
        mint(caller);
    }

    /**
     * Takes a realtime-session slot for the API key that minted a token.
     *
     * @throws BrokerException {@code rate_limit_exceeded} when the key has its maximum of sessions open
     */
    public void openSession(String keyId, Duration maxDuration) {
        if (!sessions.open(keyId, config.maxConcurrentSessionsPerKey(), maxDuration.plusMinutes(1))) {
            throw new RateLimitedException("API key's concurrent realtime sessions",
                    config.maxConcurrentSessionsPerKey(), maxDuration, Duration.ofSeconds(5));
        }
    }

    /** Gives the slot back; best effort (the slot also expires). */
    public void closeSession(String keyId) {
        try {
            sessions.close(keyId);
        } catch (BrokerException e) {
            // The count expires on its own.
        }
    }

    private void check(String what, String subject, int limit) {
        Stores.join(checkAsync(what, subject, limit));
    }

    private CompletionStage<Void> checkAsync(String what, String subject, int limit) {
        return limiter.acquireAsync(subject, limit, MINUTE).thenAccept(d -> {
            if (!d.allowed()) {
                throw new RateLimitedException(what, limit, MINUTE, d.resetAfter());
            }
        });
    }
}

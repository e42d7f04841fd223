package dev.ephemera.ratelimit;

import dev.ephemera.error.RateLimitedException;
import jakarta.inject.Singleton;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

/**
 * A key's session places (SPEC §7, {@code max-concurrent-sessions-per-key}): every live session of a key holds one,
 * on every transport, across replicas ({@link SessionPlaceStore}). Taken before a session's token is used, held
 * once for as long as the session may last when it is registered, given back when it ends.
 */
@Singleton
public final class SessionPlaces {

    /** How often a failed hold of a session's place is tried again. */
    private static final int HOLD_RETRIES = 3;

    private final SessionPlaceStore places;
    private final RateLimitConfiguration config;

    SessionPlaces(SessionPlaceStore places, RateLimitConfiguration config) {
        this.places = places;
        this.config = config;
    }

    /**
     * Takes a place among the realtime sessions of the API key that minted a token, held for {@code lease} unless
     * renewed. The stage fails with {@code rate_limit_exceeded} when the key has its maximum of sessions open.
     */
    public CompletionStage<Void> take(String keyId, String sessionId, Duration lease) {
        return places.open(keyId, sessionId, config.maxConcurrentSessionsPerKey(), lease).thenAccept(taken -> {
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
    public void hold(String keyId, String sessionId, Duration lease) {
        hold(keyId, sessionId, lease, 1);
    }

    private void hold(String keyId, String sessionId, Duration lease, int attempt) {
        places.renew(keyId, sessionId, lease).exceptionally(failed -> {
            if (attempt <= HOLD_RETRIES) {
                long delay = 1L << (attempt - 1);
                CompletableFuture.delayedExecutor(delay, TimeUnit.SECONDS).execute(
                        () -> hold(keyId, sessionId, lease.minusSeconds(delay), attempt + 1));
            }
            return null;
        });
    }

    /** Gives the place back; best effort (the place also expires with its lease). */
    public void giveBack(String keyId, String sessionId) {
        places.close(keyId, sessionId).exceptionally(failed -> null);
    }
}

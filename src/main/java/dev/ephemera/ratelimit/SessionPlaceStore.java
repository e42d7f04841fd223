package dev.ephemera.ratelimit;

import java.time.Duration;
import java.util.concurrent.CompletionStage;

/**
 * Concurrent realtime sessions per API key, shared by every replica. Each session holds a place of its own that
 * expires after its lease: a short one while the session is admitted, then, once it is registered, as long as it
 * may last; the places of a replica that dies with sessions open are given back by another (the session store's
 * clean-up after a replica whose heartbeat lapsed), or expire on their own. Every stage fails with
 * {@code store_unavailable} when the store cannot be reached; none blocks the calling thread.
 */
public interface SessionPlaceStore {

    /**
     * Takes a place for session {@code sessionId} of {@code keyId}, held for {@code lease}; false (and nothing
     * taken) when {@code max} unexpired places are already held.
     */
    CompletionStage<Boolean> open(String keyId, String sessionId, int max, Duration lease);

    /** Holds the place of a live session for another {@code lease}; does nothing for a place that is gone. */
    CompletionStage<Void> renew(String keyId, String sessionId, Duration lease);

    /** Gives the place back; idempotent. */
    CompletionStage<Void> close(String keyId, String sessionId);
}

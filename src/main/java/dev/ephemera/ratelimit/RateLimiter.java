package dev.ephemera.ratelimit;

import java.time.Duration;
import java.util.concurrent.CompletionStage;

/**
 * Counts requests in fixed windows shared by every replica: the first request of a subject opens a window of
 * {@code window}; up to {@code limit} requests pass in it. One atomic step per request. Throws
 * {@link StoreUnavailableException} when the store cannot be reached; callers then refuse (fail closed).
 */
public interface RateLimiter {

    /** One request's verdict. */
    record Decision(boolean allowed, int limit, int remaining, Duration resetAfter) {
    }

    /**
     * Counts one request of {@code subject} (e.g. {@code key:key_…}) and says whether it may pass, without blocking
     * the calling thread; the stage fails with {@code store_unavailable}.
     */
    CompletionStage<Decision> acquire(String subject, int limit, Duration window);
}

package dev.ephemera.ratelimit;

import java.time.Duration;
import java.util.concurrent.CompletionStage;

/**
 * Counts requests in fixed windows shared by every replica: the first request of a subject opens a window of
 * {@code window}, timed by the store (Redis's clock in Redis); up to {@code limit} requests pass in it, the rest
 * are refused until it ends. One atomic step per request, which never blocks the calling thread; when the store
 * cannot be reached the stage fails ({@code store_unavailable}) and callers refuse (fail closed). Implemented in
 * {@code store.redis} and {@code store.memory}, beside {@link SessionPlaceStore}.
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

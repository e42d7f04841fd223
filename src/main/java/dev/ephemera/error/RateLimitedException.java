package dev.ephemera.error;

import java.time.Duration;

/** {@code 429 rate_limit_exceeded}, with what the response headers need to tell the caller when to retry. */
public final class RateLimitedException extends BrokerException {

    private final int limit;
    private final Duration window;
    private final Duration retryAfter;

    public RateLimitedException(String what, int limit, Duration window, Duration retryAfter) {
        super(ErrorCode.RATE_LIMIT_EXCEEDED, "Too many requests for this " + what + ": at most " + limit
                + " per " + window.toSeconds() + " s. Retry after " + seconds(retryAfter) + " s.");
        this.limit = limit;
        this.window = window;
        this.retryAfter = retryAfter;
    }

    /** Whole seconds, rounded up: a client that waits this long is let through. */
    public long retryAfterSeconds() {
        return seconds(retryAfter);
    }

    public int limit() {
        return limit;
    }

    public Duration window() {
        return window;
    }

    private static long seconds(Duration d) {
        return Math.max(1, (d.toMillis() + 999) / 1000);
    }
}

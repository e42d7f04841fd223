package dev.ephemera.error;

import java.time.Duration;

/**
 * {@code 503} for a replica that cannot take the request now but will soon ({@code relay_at_capacity},
 * {@code draining}): the answer says when to retry, here or on another replica.
 */
public final class BusyException extends BrokerException {

    private final Duration retryAfter;

    public BusyException(ErrorCode code, String message, Duration retryAfter) {
        super(code, message);
        this.retryAfter = retryAfter;
    }

    /** Whole seconds, at least one. */
    public long retryAfterSeconds() {
        return Math.max(1, (retryAfter.toMillis() + 999) / 1000);
    }
}

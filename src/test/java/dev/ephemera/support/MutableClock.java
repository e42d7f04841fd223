package dev.ephemera.support;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;

/**
 * A clock the test moves: it follows real time from an offset the test can push forward, or, while frozen, stands
 * still except where the test moves it, so that a window of a few seconds does not depend on how fast the machine is.
 */
public final class MutableClock extends Clock {

    private volatile Duration offset = Duration.ZERO;
    private volatile Instant frozen;

    public void advance(Duration by) {
        offset = offset.plus(by);
    }

    /** Stops the clock where it is; closing it lets it follow real time again from where it was before. */
    public AutoCloseable freeze() {
        Duration before = offset;
        frozen = Instant.now();
        return () -> {
            frozen = null;
            offset = before;
        };
    }

    @Override
    public Instant instant() {
        Instant base = frozen;
        return (base != null ? base : Instant.now()).plus(offset);
    }

    @Override
    public ZoneId getZone() {
        return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
        return this;
    }
}

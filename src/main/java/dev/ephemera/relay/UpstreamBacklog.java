package dev.ephemera.relay;

import io.netty.channel.Channel;
import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What waits towards the provider in one realtime session, bounded (SPEC §7): past {@code limit} bytes the client's
 * connection is no longer read, so a client that sends faster than the provider takes is slowed by TCP instead of
 * filling the broker's memory; below half of it, reading resumes. A provider that takes nothing for
 * {@code stallTimeout} while reading is paused ends the session ({@code onStall}, close 1011).
 */
final class UpstreamBacklog {

    private final Channel client;
    private final long limit;
    private final Duration stallTimeout;
    private final Runnable onStall;
    private final AtomicLong pending = new AtomicLong();
    private ScheduledFuture<?> stall;

    UpstreamBacklog(Channel client, long limit, Duration stallTimeout, Runnable onStall) {
        this.client = client;
        this.limit = limit;
        this.stallTimeout = stallTimeout;
        this.onStall = onStall;
    }

    /** A message of {@code bytes} was queued towards the provider. */
    void queued(long bytes) {
        if (pending.addAndGet(bytes) > limit) {
            pause();
        }
    }

    /** A message of {@code bytes} left for the provider (or was dropped with the session). */
    void sent(long bytes) {
        if (pending.addAndGet(-bytes) <= limit / 2) {
            resume();
        }
    }

    long pending() {
        return pending.get();
    }

    private synchronized void pause() {
        if (stall == null) {
            client.config().setAutoRead(false);
            stall = client.eventLoop().schedule(onStall, stallTimeout.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    private synchronized void resume() {
        if (stall != null) {
            stall.cancel(false);
            stall = null;
            client.config().setAutoRead(true);
        }
    }

    /** The session ended: nothing more will be read or sent. */
    synchronized void close() {
        if (stall != null) {
            stall.cancel(false);
            stall = null;
        }
    }
}

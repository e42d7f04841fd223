package dev.ephemera.relay.realtime;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * What waits towards one side of a realtime session, bounded (SPEC §7): past {@code limit} bytes the other side's
 * connection ({@code source}) is no longer read, so a peer that sends faster than this side takes is slowed by TCP
 * instead of filling the broker's memory; below half of it, reading resumes. A side that takes nothing for
 * {@code stallTimeout} while reading is paused ends the session ({@code onStall}, close 1011). Used on the session's
 * event loop only, where its writes complete too.
 */
final class Backlog {

    private final Channel source;
    private final long limit;
    private final Duration stallTimeout;
    private final Runnable onStall;
    private long pending;
    private ScheduledFuture<?> stall;

    Backlog(Channel source, long limit, Duration stallTimeout, Runnable onStall) {
        this.source = source;
        this.limit = limit;
        this.stallTimeout = stallTimeout;
        this.onStall = onStall;
    }

    /** A message of {@code bytes} was queued; {@link #sent} must follow once it left or was dropped. */
    void queued(long bytes) {
        pending += bytes;
        if (pending > limit && stall == null) {
            source.config().setAutoRead(false);
            stall = source.eventLoop().schedule(onStall, stallTimeout.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    /** A message of {@code bytes} left (or was dropped with the session). */
    void sent(long bytes) {
        pending -= bytes;
        if (pending <= limit / 2 && stall != null) {
            stall.cancel(false);
            stall = null;
            source.config().setAutoRead(true);
        }
    }

    /** Counts {@code bytes} until {@code write} completes, however it completes. */
    void track(long bytes, ChannelFuture write) {
        queued(bytes);
        write.addListener((ChannelFutureListener) f -> sent(bytes));
    }

    /** What waits, in bytes: the messages written and not yet taken by the socket. */
    long pending() {
        return pending;
    }

    /** The session ended: nothing more will be read or sent. */
    void close() {
        if (stall != null) {
            stall.cancel(false);
            stall = null;
        }
    }
}

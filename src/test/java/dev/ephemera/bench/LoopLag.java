package dev.ephemera.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * How late executors (a group's event loops, a control thread) run a task scheduled every millisecond: the longest
 * delay seen since the last {@link #reset}, i.e. the longest time a loop was busy (or not given a core) while work
 * waited on it.
 */
final class LoopLag implements AutoCloseable {

    private static final long PERIOD_NANOS = TimeUnit.MILLISECONDS.toNanos(1);

    private final AtomicLong worst = new AtomicLong();
    private final List<ScheduledFuture<?>> ticks = new ArrayList<>();

    LoopLag(Iterable<? extends ScheduledExecutorService> executors) {
        for (ScheduledExecutorService loop : executors) {
            long[] expected = {System.nanoTime() + PERIOD_NANOS};
            ticks.add(loop.scheduleAtFixedRate(() -> {
                long now = System.nanoTime();
                worst.accumulateAndGet(now - expected[0], Math::max);
                expected[0] = Math.max(expected[0] + PERIOD_NANOS, now);
            }, 1, 1, TimeUnit.MILLISECONDS));
        }
    }

    /** The longest delay in milliseconds since the last reset; resets it. */
    double reset() {
        return worst.getAndSet(0) / 1e6;
    }

    @Override
    public void close() {
        ticks.forEach(t -> t.cancel(false));
    }
}

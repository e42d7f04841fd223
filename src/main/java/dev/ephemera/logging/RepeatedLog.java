package dev.ephemera.logging;

import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.event.Level;

/**
 * A logger for failures that repeat under load (a Redis outage, a provider down): the first of a kind is written
 * at once, the same kind again within {@link #INTERVAL} is only counted, and the next line after it says how many
 * were left out. A kind is the message template, so the set of kinds is as small as the code's. Metrics still
 * count every failure; this only bounds the log (one outage under load wrote 331,000 lines, 248 MB).
 */
public final class RepeatedLog {

    /** At most one line per kind in this long. */
    public static final Duration INTERVAL = Duration.ofSeconds(10);

    private record Window(long startedNanos, AtomicLong leftOut) {
    }

    private final Logger log;
    private final long intervalNanos;
    private final Map<String, Window> windows = new ConcurrentHashMap<>();

    public RepeatedLog(Logger log) {
        this(log, INTERVAL);
    }

    RepeatedLog(Logger log, Duration interval) {
        this.log = log;
        this.intervalNanos = interval.toNanos();
    }

    public void warn(String template, Object... args) {
        write(Level.WARN, template, args);
    }

    public void error(String template, Object... args) {
        write(Level.ERROR, template, args);
    }

    private void write(Level level, String template, Object... args) {
        if (!log.isEnabledForLevel(level)) {
            return;
        }
        // Elapsed time, not the time of day: nanoTime is what measures an interval.
        long now = System.nanoTime();
        long[] leftOut = {-1};
        windows.compute(template, (k, window) -> {
            if (window != null && now - window.startedNanos() < intervalNanos) {
                window.leftOut().incrementAndGet();
                return window;
            }
            leftOut[0] = window == null ? 0 : window.leftOut().get();
            return new Window(now, new AtomicLong());
        });
        if (leftOut[0] < 0) {
            return;
        }
        if (leftOut[0] == 0) {
            log.atLevel(level).log(template, args);
        } else {
            Object[] all = Arrays.copyOf(args, args.length + 1);
            all[args.length] = leftOut[0];
            log.atLevel(level).log(template + " ({} more like this since the last line)", all);
        }
    }
}

package dev.ephemera.relay;

import com.sun.management.UnixOperatingSystemMXBean;
import dev.ephemera.error.BusyException;
import dev.ephemera.error.ErrorCode;
import dev.ephemera.metrics.OperationsMetrics;
import io.micronaut.context.annotation.Context;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The realtime sessions this replica holds, handshakes included, against {@code ephemera.relay.max-sessions}: a
 * place is taken before the token's use and given back once, when the handshake or the session ends, so that a
 * replica at capacity refuses ({@code 503 relay_at_capacity}) instead of running out of memory. Made at start-up, so
 * that its warning and {@code ephemera_relay_sessions_max} come before the first session.
 */
@Context
final class RelayCapacity {

    private static final Logger LOG = LoggerFactory.getLogger(RelayCapacity.class);
    /** Heap an idle session takes (measured: 11 KB on JDK 25 with the parallel collector). */
    private static final long SESSION_HEAP = 12 * 1024;
    /** Files the process needs besides its sessions: Redis, the HTTP relay's pool, jars, listeners. */
    private static final long RESERVED_FILES = 512;

    private final AtomicInteger held = new AtomicInteger();
    private final int max;

    RelayCapacity(RelayConfiguration config, OperationsMetrics metrics) {
        this.max = config.maxSessions();
        metrics.relaySessionsMax(max);
        warnIfUnsized(max, Runtime.getRuntime().maxMemory(), maxFileDescriptors());
    }

    /**
     * Says at start-up when this process cannot hold {@code max} sessions: each takes two connections (client and
     * provider) and, idle, about 12 KB of heap (measured: IdleSessionsTest, bench/relay). Past either limit the
     * replica would fail sessions (or run out of memory) before it refuses them with 503.
     */
    static Optional<String> warnIfUnsized(int max, long maxHeap, long maxFiles) {
        List<String> missing = new ArrayList<>();
        if (maxFiles > 0 && 2L * max + RESERVED_FILES > maxFiles) {
            missing.add("open files limit " + maxFiles + " (needs " + (2L * max + RESERVED_FILES) + ")");
        }
        if (max * SESSION_HEAP > maxHeap / 2) {
            missing.add("heap " + maxHeap / (1024 * 1024) + " MB (idle sessions alone take "
                    + max * SESSION_HEAP / (1024 * 1024) + " MB; give at least twice that)");
        }
        if (missing.isEmpty()) {
            return Optional.empty();
        }
        String warning = "ephemera.relay.max-sessions=" + max + " is more than this process can hold: "
                + String.join("; ", missing) + ". Lower max-sessions or raise the limits.";
        LOG.warn(warning);
        return Optional.of(warning);
    }

    private static long maxFileDescriptors() {
        return ManagementFactory.getOperatingSystemMXBean() instanceof UnixOperatingSystemMXBean unix
                ? unix.getMaxFileDescriptorCount() : -1;
    }

    /**
     * Takes a place; the returned handle gives it back, once however often it is called.
     *
     * @throws BusyException {@code relay_at_capacity} when the replica holds its maximum
     */
    Runnable take() {
        if (held.incrementAndGet() > max) {
            held.decrementAndGet();
            throw new BusyException(ErrorCode.RELAY_AT_CAPACITY, "This replica holds as many realtime sessions "
                    + "as it may; retry shortly (another replica may have room).", Duration.ofSeconds(5));
        }
        AtomicInteger once = new AtomicInteger();
        return () -> {
            if (once.compareAndSet(0, 1)) {
                held.decrementAndGet();
            }
        };
    }
}

package dev.ephemera.relay;

import dev.ephemera.web.BusyException;
import dev.ephemera.web.ErrorCode;
import jakarta.inject.Singleton;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The realtime sessions this replica holds, handshakes included, against {@code ephemera.relay.max-sessions}: a
 * place is taken before the token's use and given back once, when the handshake or the session ends, so that a
 * replica at capacity refuses ({@code 503 relay_at_capacity}) instead of running out of memory.
 */
@Singleton
final class RelayCapacity {

    private final AtomicInteger held = new AtomicInteger();
    private final int max;

    RelayCapacity(RelayConfiguration config) {
        this.max = config.maxSessions();
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

    int held() {
        return held.get();
    }
}

package dev.ephemera.relay;

import dev.ephemera.error.BusyException;
import dev.ephemera.error.ErrorCode;
import io.micronaut.health.HealthStatus;
import io.micronaut.management.health.indicator.HealthIndicator;
import io.micronaut.management.health.indicator.HealthResult;
import io.micronaut.management.health.indicator.annotation.Readiness;
import jakarta.inject.Singleton;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.reactivestreams.Publisher;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;

/**
 * SPEC §8's drain: once {@link #start} is called (on SIGTERM, see {@code Application}), readiness is DOWN at once,
 * new realtime sessions are refused ({@code 503 draining}), every open session is told with close 1001, and the
 * sessions get {@code ephemera.relay.drain-period} to end before the process goes on to stop. The registry of this
 * replica's open sessions lives here because the relay's WebSocket bean is one per connection.
 */
@Singleton
@Readiness
public final class Drain implements HealthIndicator {

    private static final Logger LOG = LoggerFactory.getLogger(Drain.class);

    /** A session this replica holds: a relayed WebSocket, or a call watched through its sideband. */
    public interface Held {
        /** The replica is draining: the session is ended, and its client told to reconnect where it can. */
        void goingAway();
    }

    private final Set<Held> open = ConcurrentHashMap.newKeySet();
    private final Duration period;
    private volatile boolean draining;

    public Drain(RelayConfiguration config) {
        this.period = config.drainPeriod();
    }

    public void opened(Held session) {
        open.add(session);
        if (draining) {
            session.goingAway();
        }
    }

    public void ended(Held session) {
        open.remove(session);
    }

    /** @throws BusyException {@code draining} once the drain has started */
    public void admit() {
        if (draining) {
            throw new BusyException(ErrorCode.DRAINING, "This replica is shutting down; connect again (another "
                    + "replica will take the session).", Duration.ofSeconds(1));
        }
    }

    /**
     * Starts the drain and waits until every session has ended or the drain period has passed; returns how many
     * were still open then.
     */
    public int start() throws InterruptedException {
        draining = true;
        LOG.info("Draining: readiness DOWN, {} realtime sessions told to end, {} s to do so", open.size(),
                period.toSeconds());
        open.forEach(Held::goingAway);
        long deadline = System.nanoTime() + period.toNanos();
        while (!open.isEmpty() && System.nanoTime() < deadline) {
            TimeUnit.MILLISECONDS.sleep(50);
        }
        return open.size();
    }

    @Override
    public Publisher<HealthResult> getResult() {
        return Mono.just(HealthResult.builder("drain", draining ? HealthStatus.DOWN : HealthStatus.UP)
                .details(Map.of("draining", draining)).build());
    }
}

package dev.ephemera.metrics;

import io.micronaut.context.annotation.Context;
import io.micronaut.context.annotation.Requires;
import io.micronaut.management.endpoint.health.HealthEndpoint;
import io.micronaut.management.health.indicator.HealthCheckType;
import io.micronaut.scheduling.annotation.Scheduled;
import java.util.concurrent.atomic.AtomicBoolean;
import reactor.core.publisher.Mono;

/**
 * {@code ephemera_ready}: the replica's readiness as {@code /health/readiness} would answer it, evaluated every
 * {@link #PERIOD} by the same indicators (the store runs a script and a write; no drain), so that a scrape sees it
 * whether or not a kubelet probes, and {@code changes(ephemera_ready[10m])} shows a replica that flaps. One
 * evaluation at a time: a store that takes its whole command timeout does not pile them up.
 */
@Context
@Requires(beans = HealthEndpoint.class)
final class ReadinessMeter {

    /** As often as a kubelet's readiness probe usually runs; each costs the store one probe. */
    static final String PERIOD = "5s";

    private final HealthEndpoint health;
    private final OperationsMetrics metrics;
    private final AtomicBoolean running = new AtomicBoolean();

    ReadinessMeter(HealthEndpoint health, OperationsMetrics metrics) {
        this.health = health;
        this.metrics = metrics;
    }

    @Scheduled(fixedDelay = PERIOD, initialDelay = "0s")
    void evaluate() {
        if (!running.compareAndSet(false, true)) {
            return;
        }
        // Ready as the endpoint answers 200: every status but DOWN (and any other that says it is not operational).
        Mono.from(health.getHealth(null, HealthCheckType.READINESS))
                .map(result -> result.getStatus().getOperational().orElse(true))
                .onErrorReturn(false)
                .defaultIfEmpty(false)
                .doFinally(signal -> running.set(false))
                .subscribe(metrics::ready);
    }
}

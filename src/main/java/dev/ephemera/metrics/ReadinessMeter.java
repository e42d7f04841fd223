package dev.ephemera.metrics;

import io.micronaut.context.annotation.Context;
import io.micronaut.context.annotation.Requires;
import io.micronaut.management.endpoint.health.HealthEndpoint;
import io.micronaut.management.health.indicator.HealthCheckType;
import io.micronaut.scheduling.annotation.Scheduled;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import reactor.core.publisher.Mono;

/**
 * {@code ephemera_ready}: the replica's readiness as {@code /health/readiness} answers it. Every probe's answer sets
 * it (the web layer tells {@link OperationsMetrics#ready}); where no probe came for {@link #PERIOD} (no kubelet, or
 * one that probes seldom), it is evaluated here by the same indicators (the store runs a script and a write; no
 * drain), so a scrape sees it either way and {@code changes(ephemera_ready[10m])} shows a replica that flaps, without
 * a second probe of the store beside a kubelet's. One evaluation at a time: a store that takes its whole command
 * timeout does not pile them up.
 */
@Context
@Requires(beans = HealthEndpoint.class)
final class ReadinessMeter {

    /** How often readiness is looked at here; each evaluation here costs the store one probe. */
    static final String PERIOD = "5s";
    /** Readiness a probe answered within this is fresh enough: no evaluation of ours beside a kubelet's probes. */
    private static final Duration FRESH = Duration.ofSeconds(4);

    private final HealthEndpoint health;
    private final OperationsMetrics metrics;
    private final AtomicBoolean running = new AtomicBoolean();

    ReadinessMeter(HealthEndpoint health, OperationsMetrics metrics) {
        this.health = health;
        this.metrics = metrics;
    }

    @Scheduled(fixedDelay = PERIOD, initialDelay = "0s")
    void evaluate() {
        if (metrics.readyKnownWithin(FRESH) || !running.compareAndSet(false, true)) {
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

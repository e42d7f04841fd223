package dev.ephemera.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import io.micronaut.core.annotation.Nullable;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The meters the alerts of {@code k8s/monitoring} read besides {@link BrokerMetrics}': what went wrong outside the
 * broker (providers, callers' JWKS), how fast the kill switch is, whether the replica is ready, how many sessions it
 * may hold. The same rule holds for labels: a configured provider, a configured issuer's name, a kind from a closed
 * set, never a URL or anything a caller sent.
 */
@Singleton
public final class OperationsMetrics {

    /**
     * Buckets of {@code ephemera_kill_switch_seconds}: the kill switch is measured at milliseconds across replicas
     * (bench: p99 17–36 ms); a missed message waits for the next heartbeat (2 s).
     */
    private static final Duration[] KILL_SWITCH_BUCKETS = {Duration.ofMillis(5), Duration.ofMillis(10),
        Duration.ofMillis(25), Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(250),
        Duration.ofMillis(500), Duration.ofSeconds(1), Duration.ofMillis(2500), Duration.ofSeconds(5),
        Duration.ofSeconds(10)};

    private final MeterRegistry registry;
    private final Map<String, Counter> upstreamErrors = new ConcurrentHashMap<>();
    private final Map<String, Counter> jwksFailures = new ConcurrentHashMap<>();
    private final Timer killSwitch;
    private final AtomicInteger ready = new AtomicInteger();
    /** When {@link #ready} was last told ({@link System#nanoTime}); 0: never. */
    private volatile long readyAt;
    private final AtomicInteger relayMax = new AtomicInteger();

    /** Meters in {@code registry}; none kept (a registry of no meters) when metrics are switched off. */
    @Inject
    public OperationsMetrics(@Nullable MeterRegistry registry) {
        this.registry = registry != null ? registry : new CompositeMeterRegistry();
        this.killSwitch = Timer.builder("ephemera.kill.switch")
                .description("Time from a request to end a live session (DELETE /v1/sessions/{id}, a revocation) "
                        + "to the session's end on the replica that holds it; the request's time travels with it")
                .serviceLevelObjectives(KILL_SWITCH_BUCKETS)
                .register(this.registry);
        Gauge.builder("ephemera.ready", ready, AtomicInteger::get)
                .description("1 while this replica's readiness is UP (the store answers, no drain), else 0")
                .register(this.registry);
        Gauge.builder("ephemera.relay.sessions.max", relayMax, AtomicInteger::get)
                .description("Live sessions this replica may hold at once (ephemera.relay.max-sessions)")
                .register(this.registry);
    }

    /** A metrics-free instance, for code built outside the application context. */
    public static OperationsMetrics none() {
        return new OperationsMetrics(null);
    }

    /**
     * A provider failed a relay: {@code provider} is a configured one, {@code kind} one of the closed set the relay
     * names ({@code server_error}, {@code credentials}, {@code refused}, {@code unreachable}, {@code timeout},
     * {@code dropped}).
     */
    public void upstreamError(String provider, String kind) {
        upstreamErrors.computeIfAbsent(provider + ' ' + kind, k -> Counter.builder("ephemera.upstream.errors")
                .description("Provider failures seen by the relays (HTTP, realtime, WebRTC), by provider and kind")
                .tags("provider", provider, "kind", kind)
                .register(registry)).increment();
    }

    /** Registers the JWKS fetch failures of issuer {@code issuer} (its configured name) at 0, so the series exists. */
    public void jwksIssuer(String issuer) {
        jwksCounter(issuer);
    }

    /** The JWKS of the configured issuer named {@code issuer} could not be fetched (an error, a status, a timeout). */
    public void jwksFetchFailed(String issuer) {
        jwksCounter(issuer).increment();
    }

    private Counter jwksCounter(String issuer) {
        return jwksFailures.computeIfAbsent(issuer, i -> Counter.builder("ephemera.jwks.fetch.failures")
                .description("Fetches of a caller issuer's JWKS that failed, by the issuer's configured name")
                .tag("issuer", i)
                .register(registry));
    }

    /** A live session asked to end at a known time ended {@code took} after the request. */
    public void killSwitch(Duration took) {
        killSwitch.record(took.isNegative() ? Duration.ZERO : took);
    }

    /** This replica's readiness, as it was just evaluated (by a probe, or by {@link ReadinessMeter}). */
    public void ready(boolean up) {
        ready.set(up ? 1 : 0);
        readyAt = System.nanoTime();
    }

    /** Whether readiness was evaluated less than {@code period} ago. */
    boolean readyKnownWithin(Duration period) {
        long at = readyAt;
        return at != 0 && System.nanoTime() - at < period.toNanos();
    }

    /** The live sessions this replica may hold at once. */
    public void relaySessionsMax(int max) {
        relayMax.set(max);
    }
}

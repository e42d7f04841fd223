package dev.ephemera.metrics;

import dev.ephemera.error.ErrorCode;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import io.micronaut.core.annotation.Nullable;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The broker's own meters (SPEC §8), exported at {@code GET /prometheus}. Every label takes its value from a
 * closed set — a configured provider, a token format or mode, an error code, a route template, a standard HTTP
 * method — so a caller cannot add series, and no label ever holds a key, a token or a path a caller chose. Meters
 * are looked up without allocating on the paths every request takes.
 */
@Singleton
public final class BrokerMetrics {

    /** The route label of requests that the HTTP relay answered. */

    /** Latency buckets of {@code ephemera_http_requests_seconds}: a mint takes milliseconds, a relay longer. */
    private static final Duration[] BUCKETS = {Duration.ofMillis(1), Duration.ofMillis(2), Duration.ofMillis(5),
        Duration.ofMillis(10), Duration.ofMillis(25), Duration.ofMillis(50), Duration.ofMillis(100),
        Duration.ofMillis(250), Duration.ofMillis(500), Duration.ofSeconds(1), Duration.ofMillis(2500),
        Duration.ofSeconds(10)};
    /** Micronaut's {@code HttpMethod} names, in its order; any other method counts as the last. */
    private static final List<String> METHODS = List.of("OPTIONS", "GET", "HEAD", "POST", "PUT", "DELETE", "TRACE",
            "CONNECT", "PATCH", "CUSTOM");
    private static final String[] STATUS_CLASSES = {"1xx", "2xx", "3xx", "4xx", "5xx"};
    private static final String[] MODES = {"relay", "upstream"};
    private static final String[] FORMATS = {"opaque", "jwt"};

    private final MeterRegistry registry;
    /** By provider: a counter for each format and mode ({@link #MODES}), made on first use. */
    private final Map<String, Counter[]> minted = new ConcurrentHashMap<>();
    private final Map<String, Counter> redeemed = new ConcurrentHashMap<>();
    private final Map<String, Counter[]> usage = new ConcurrentHashMap<>();
    private final Map<String, Counter> cost = new ConcurrentHashMap<>();
    private final Map<String, Counter> sessionsEnded = new ConcurrentHashMap<>();
    private final Map<String, Counter> webhooks = new ConcurrentHashMap<>();
    /** Every code of SPEC §6, registered up front; filled in the constructor and only read after. */
    private final Map<String, Counter> rejected = new HashMap<>();
    /** By route: a timer for each method and status class, made on first use. */
    private final Map<String, Timer[]> requests = new ConcurrentHashMap<>();
    private final Counter redisErrors;
    private final AtomicInteger relaySessions = new AtomicInteger();

    /** Meters in {@code registry}; none kept (a registry of no meters) when metrics are switched off. */
    @Inject
    public BrokerMetrics(@Nullable MeterRegistry registry) {
        this.registry = registry != null ? registry : new CompositeMeterRegistry();
        for (ErrorCode code : ErrorCode.values()) {
            rejected.computeIfAbsent(code.code(), c -> Counter.builder("ephemera.requests.rejected")
                    .description("Requests answered with an error, by the error's code (SPEC §6)")
                    .tag("code", c)
                    .register(this.registry));
        }
        this.redisErrors = Counter.builder("ephemera.redis.errors")
                .description("Redis operations that failed, timed out or found no connection; the request behind "
                        + "each failed closed with 503 store_unavailable")
                .register(this.registry);
        Gauge.builder("ephemera.relay.sessions.active", relaySessions, AtomicInteger::get)
                .description("Realtime WebSocket relay sessions open on this replica")
                .register(this.registry);
    }

    /** A metrics-free instance, for code built outside the application context. */
    public static BrokerMetrics none() {
        return new BrokerMetrics(null);
    }

    /**
     * A token minted for {@code provider} (a configured one) in {@code format} ({@code opaque} or {@code jwt}) and
     * {@code mode} ({@code relay} or {@code upstream}).
     */
    public void minted(String provider, String format, String mode) {
        int m = MODES[0].equals(mode) ? 0 : 1;
        int f = FORMATS[0].equals(format) ? 0 : 1;
        int slot = f * MODES.length + m;
        Counter[] counters = minted.computeIfAbsent(provider, p -> new Counter[FORMATS.length * MODES.length]);
        Counter counter = counters[slot];
        if (counter == null) {
            // Two threads may both get here: the registry gives both the same counter.
            counter = Counter.builder("ephemera.tokens.minted")
                    .description("Tokens minted, by provider, format and mode")
                    .tags("provider", provider, "format", FORMATS[f], "mode", MODES[m])
                    .register(registry);
            counters[slot] = counter;
        }
        counter.increment();
    }

    public void redeemed(String provider) {
        redeemed.computeIfAbsent(provider, p -> Counter.builder("ephemera.tokens.redeemed")
                .description("Uses of tokens taken (a relay connection or introspection with consume=true)")
                .tag("provider", p)
                .register(registry)).increment();
    }

    public void redisError() {
        redisErrors.increment();
    }

    public void relaySessionOpened() {
        relaySessions.incrementAndGet();
    }

    public void relaySessionEnded() {
        relaySessions.decrementAndGet();
    }

    /**
     * Usage a provider reported (SPEC §11): tokens in and out and responses, by provider and model. Both labels
     * must come from closed sets (configured providers; configured models, else {@code other}).
     */
    public void usage(String provider, String model, long input, long output, long responses) {
        String key = provider + ' ' + model;
        Counter[] counters = usage.computeIfAbsent(key, k -> usageCounters(provider, model));
        counters[0].increment(input);
        counters[1].increment(output);
        counters[2].increment(responses);
    }

    private Counter[] usageCounters(String provider, String model) {
        Counter[] counters = new Counter[3];
        for (int i = 0; i < 2; i++) {
            counters[i] = Counter.builder("ephemera.usage.tokens").description("Tokens a provider reported as used")
                    .tag("provider", provider).tag("model", model).tag("direction", i == 0 ? "input" : "output")
                    .register(registry);
        }
        counters[2] = Counter.builder("ephemera.usage.responses").description("Responses whose usage a provider "
                + "reported").tag("provider", provider).tag("model", model).register(registry);
        return counters;
    }

    /**
     * What usage cost at the broker's prices (SPEC §11), in micro-dollars, counted in dollars as
     * {@code ephemera_cost_usd_total} by provider and model. The model label must be bounded as {@link #usage}'s is
     * ({@link ModelLabels#of}).
     */
    public void cost(String provider, String model, long micros) {
        if (micros <= 0) {
            return;
        }
        // A counter holds a double; the broker's money stays in whole micro-dollars everywhere else.
        cost.computeIfAbsent(provider + ' ' + model, k -> Counter.builder("ephemera.cost.usd")
                .description("What usage cost at the broker's prices (ephemera.pricing), in US dollars")
                .tag("provider", provider).tag("model", model).register(registry))
                .increment(micros / 1_000_000.0);
    }

    /** One webhook delivery attempt's outcome: {@code delivered}, {@code retrying} or {@code failed}. */
    public void webhookDelivery(String outcome) {
        webhooks.computeIfAbsent(outcome, o -> Counter.builder("ephemera.webhook.deliveries")
                .description("Webhook delivery attempts, by outcome").tag("outcome", o).register(registry))
                .increment();
    }

    /** A relayed realtime session ended, for {@code reason} (a closed set: see the receipt's close reasons). */
    public void sessionEnded(String reason) {
        sessionsEnded.computeIfAbsent(reason, r -> Counter.builder("ephemera.relay.sessions.ended")
                .description("Realtime sessions ended, by why they ended").tag("reason", r).register(registry))
                .increment();
    }

    /**
     * One request to {@code route} (a route template, never a raw path) answered with {@code status}, {@code nanos}
     * after it arrived: timed by route, method and status class, and counted by {@code errorCode} when it is an
     * error of ours (SPEC §6).
     */
    public void answered(String route, String method, int status, @Nullable String errorCode, long nanos) {
        int statusClass = Math.min(Math.max(status / 100, 1), 5) - 1;
        int m = METHODS.indexOf(method);
        int methodSlot = m < 0 ? METHODS.size() - 1 : m;
        Timer[] timers = requests.computeIfAbsent(route, r -> new Timer[METHODS.size() * STATUS_CLASSES.length]);
        int slot = methodSlot * STATUS_CLASSES.length + statusClass;
        Timer timer = timers[slot];
        if (timer == null) {
            timer = Timer.builder("ephemera.http.requests")
                    .description("Time from a request's arrival to its response, by route, method and status class")
                    .tags("method", METHODS.get(methodSlot), "route", route, "status", STATUS_CLASSES[statusClass])
                    .serviceLevelObjectives(BUCKETS)
                    .register(registry);
            timers[slot] = timer;
        }
        timer.record(nanos, TimeUnit.NANOSECONDS);
        if (status >= 400 && errorCode != null) {
            Counter counter = rejected.get(errorCode);
            if (counter != null) {
                counter.increment();
            }
        }
    }
}

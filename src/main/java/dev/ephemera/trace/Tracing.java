package dev.ephemera.trace;

import io.micronaut.context.annotation.Value;
import io.micronaut.context.env.Environment;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpRequest;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.autoconfigure.AutoConfiguredOpenTelemetrySdk;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The broker's traces: OpenTelemetry's SDK, configured by the standard {@code OTEL_*} settings, when an OTLP endpoint
 * is configured ({@code OTEL_EXPORTER_OTLP_ENDPOINT} or {@code …_TRACES_ENDPOINT}, or the {@code otel.*} properties);
 * else nothing at all: no SDK is built, every span is OpenTelemetry's no-op, and no caller's {@code traceparent} is
 * read. Spans are exported over HTTP ({@code http/protobuf}, the JDK's own client); a collector's gRPC port is refused
 * at start-up with a message that says so, rather than failing every export later.
 *
 * <p>A W3C {@code traceparent} is taken from a backend's request (a mint, an introspection, a revocation) and the
 * mint's own span context is kept with the token ({@link #traceParent}), so that the sessions and requests the token
 * opens are children of the mint: one trace from the backend into the browser's session. What a browser sends is never
 * taken: its sessions' parent is the token's. Spans carry ids, never a secret; the provider sees a
 * {@code traceparent} only with {@code ephemera.tracing.propagate-to-providers}.
 */
@Singleton
public final class Tracing {

    private static final Logger LOG = LoggerFactory.getLogger(Tracing.class);
    private static final W3CTraceContextPropagator W3C = W3CTraceContextPropagator.getInstance();
    /** A W3C {@code traceparent} of version 00, as the token keeps it: nothing else is parsed. */
    private static final Pattern TRACE_PARENT = Pattern.compile("00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}");
    private static final TextMapGetter<HttpRequest<?>> HEADERS = new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(HttpRequest<?> request) {
            return request.getHeaders().names();
        }

        @Override
        public String get(@Nullable HttpRequest<?> request, String key) {
            return request == null ? null : request.getHeaders().get(key);
        }
    };
    private static final TextMapGetter<String> STORED = new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(String value) {
            return List.of("traceparent");
        }

        @Override
        public String get(@Nullable String value, String key) {
            return key.equals("traceparent") ? value : null;
        }
    };

    /** Tracing off: no SDK, no-op spans. */
    public static final Tracing OFF = new Tracing((OpenTelemetrySdk) null, false);

    @Nullable
    private final OpenTelemetrySdk sdk;
    private final Tracer tracer;
    private final boolean toProviders;

    @Inject
    Tracing(Environment environment,
            @Value("${ephemera.tracing.propagate-to-providers:false}") boolean toProviders) {
        this(TracingSettings.of(environment).map(Tracing::sdk).orElse(null), toProviders);
    }

    Tracing(@Nullable OpenTelemetrySdk sdk, boolean toProviders) {
        this.sdk = sdk;
        this.toProviders = toProviders;
        OpenTelemetry telemetry = sdk == null ? OpenTelemetry.noop() : sdk;
        this.tracer = telemetry.getTracer("dev.ephemera");
    }

    private static OpenTelemetrySdk sdk(Map<String, String> settings) {
        OpenTelemetrySdk built = AutoConfiguredOpenTelemetrySdk.builder()
                // Merged in order, later over earlier; the SDK puts environment variables and system properties above.
                .addPropertiesSupplier(TracingSettings::defaults)
                .addPropertiesSupplier(() -> settings)
                .disableShutdownHook()
                .build()
                .getOpenTelemetrySdk();
        LOG.info("Tracing on: spans exported over OTLP/HTTP");
        return built;
    }

    /** Whether spans are recorded at all (an OTLP endpoint is configured). */
    public boolean on() {
        return sdk != null;
    }

    /** Starts a span named {@code name} of {@code kind} under {@code parent}. */
    public Span start(String name, SpanKind kind, Context parent) {
        return tracer.spanBuilder(name).setSpanKind(kind).setParent(parent).startSpan();
    }

    /** Starts a span that began at {@code started}, once its parent is known (a redemption's, say). */
    public Span start(String name, SpanKind kind, Context parent, Instant started) {
        return tracer.spanBuilder(name).setSpanKind(kind).setParent(parent).setStartTimestamp(started).startSpan();
    }

    /**
     * The trace a backend's request belongs to (its W3C {@code traceparent} and {@code tracestate}); the root context
     * when tracing is off or the request names none or one that does not parse.
     */
    public Context incoming(HttpRequest<?> request) {
        return sdk == null ? Context.root() : W3C.extract(Context.root(), request, HEADERS);
    }

    /** What a token keeps of the span that minted it: its W3C {@code traceparent}; null when it is not recorded. */
    @Nullable
    public static String traceParent(Span span) {
        SpanContext context = span.getSpanContext();
        if (!context.isValid()) {
            return null;
        }
        return "00-" + context.getTraceId() + "-" + context.getSpanId() + "-" + context.getTraceFlags().asHex();
    }

    /** The context a token carries ({@link #traceParent}): its mint's span as parent; else the root. */
    public Context carried(@Nullable String traceParent) {
        if (sdk == null || traceParent == null || !TRACE_PARENT.matcher(traceParent).matches()) {
            return Context.root();
        }
        return W3C.extract(Context.root(), traceParent, STORED);
    }

    /**
     * The headers that carry {@code span}'s trace to a provider: a {@code traceparent} where
     * {@code ephemera.tracing.propagate-to-providers} asks for it and the span is recorded; else none.
     */
    public Map<String, String> toProvider(Span span) {
        if (!toProviders || !span.getSpanContext().isValid()) {
            return Map.of();
        }
        Map<String, String> headers = new HashMap<>(2);
        W3C.inject(Context.root().with(span), headers, Map::put);
        return headers;
    }

    /** Exports what is still queued, for at most ten seconds, before the broker stops. */
    @PreDestroy
    void close() {
        if (sdk != null) {
            sdk.shutdown().join(10, TimeUnit.SECONDS);
        }
    }
}

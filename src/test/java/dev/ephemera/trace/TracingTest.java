package dev.ephemera.trace;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.spi.LoggingEvent;
import dev.ephemera.logging.TraceIds;
import io.micronaut.context.ApplicationContext;
import io.micronaut.context.env.Environment;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** When tracing is on, what a token's stored trace may be, and the ids the application log writes. */
class TracingTest {

    private static Environment environment(Map<String, Object> properties) {
        return ApplicationContext.builder().properties(properties).build().getEnvironment().start();
    }

    private static Tracing tracing(Map<String, Object> properties) {
        return new Tracing(environment(properties), false);
    }

    @Test
    void offUnlessAnEndpointIsNamed() {
        assertThat(tracing(Map.of()).on()).isFalse();
        assertThat(tracing(Map.of("otel.service.name", "x")).on()).isFalse();
        Tracing on = tracing(Map.of("otel.exporter.otlp.traces.endpoint", "http://127.0.0.1:1/v1/traces"));
        assertThat(on.on()).isTrue();
        on.close();
        assertThat(tracing(Map.of("otel.exporter.otlp.endpoint", "http://127.0.0.1:1", "otel.sdk.disabled", "true"))
                .on()).isFalse();
        assertThat(tracing(Map.of("otel.exporter.otlp.endpoint", "http://127.0.0.1:1", "otel.traces.exporter",
                "none")).on()).isFalse();
    }

    /**
     * Found by the black-box attack: the standard environment variables, as a Deployment sets them, decide as the SDK
     * reads them (a system property over a variable over the broker's configuration), not the configuration alone.
     */
    @Test
    void theStandardEnvironmentVariablesTurnItOnAndOff() {
        Map<String, String> none = Map.of();
        java.util.function.Function<String, String> noProperty = k -> null;
        assertThat(TracingSettings.of(none, noProperty, Map.of("OTEL_EXPORTER_OTLP_ENDPOINT",
                "http://collector:4318")::get)).isPresent();
        assertThat(TracingSettings.of(none, noProperty, Map.of("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
                "http://collector:4318/v1/traces")::get)).isPresent();
        assertThat(TracingSettings.of(none, noProperty, Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318",
                "OTEL_SDK_DISABLED", "true")::get)).isEmpty();
        assertThat(TracingSettings.of(Map.of("otel.exporter.otlp.endpoint", "http://a:4318"), noProperty,
                Map.of("OTEL_TRACES_EXPORTER", "none")::get)).isEmpty();
        assertThat(TracingSettings.of(none, Map.of("otel.sdk.disabled", "true")::get, Map.of(
                "OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318")::get)).isEmpty();
        assertThatThrownBy(() -> TracingSettings.of(none, noProperty, Map.of("OTEL_EXPORTER_OTLP_ENDPOINT",
                "http://collector:4317", "OTEL_EXPORTER_OTLP_PROTOCOL", "grpc")::get))
                .hasMessageContaining("OTLP/HTTP only").hasMessageContaining("4318");
        assertThat(TracingSettings.of(none, noProperty, k -> null)).isEmpty();
    }

    @Test
    void offMakesNoSpanAndReadsNoTraceparent() {
        Tracing off = tracing(Map.of());
        Span span = off.start("mint", SpanKind.SERVER, off.carried("00-0af7651916cd43dd8448eb211c80319c-"
                + "b7ad6b7169203331-01"));
        assertThat(span.getSpanContext().isValid()).isFalse();
        assertThat(Tracing.traceParent(span)).isNull();
        assertThat(off.toProvider(span)).isEmpty();
    }

    @Test
    void grpcIsRefusedAtStartWithWhatToDo() {
        assertThatThrownBy(() -> tracing(Map.of("otel.exporter.otlp.endpoint", "http://127.0.0.1:1",
                "otel.exporter.otlp.protocol", "grpc")))
                .hasStackTraceContaining("OTLP/HTTP only").hasStackTraceContaining("4318");
    }

    @Test
    void aMintsSpanIsWhatItsTokenCarries() {
        Tracing on = tracing(Map.of("otel.exporter.otlp.endpoint", "http://127.0.0.1:1"));
        try {
            Span mint = on.start("mint", SpanKind.SERVER, Context.root());
            String stored = Tracing.traceParent(mint);
            assertThat(stored).matches("00-[0-9a-f]{32}-[0-9a-f]{16}-0[13]");
            SpanContext carried = Span.fromContext(on.carried(stored)).getSpanContext();
            assertThat(carried.getTraceId()).isEqualTo(mint.getSpanContext().getTraceId());
            assertThat(carried.getSpanId()).isEqualTo(mint.getSpanContext().getSpanId());
            assertThat(carried.isRemote()).isTrue();
        } finally {
            on.close();
        }
    }

    /** What the store gives back is decided on as parsed: anything but a version-00 traceparent is no parent. */
    @ParameterizedTest
    @ValueSource(strings = {"", "garbage", "00-0AF7651916CD43DD8448EB211C80319C-B7AD6B7169203331-01",
        "ff-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
        "00-00000000000000000000000000000000-b7ad6b7169203331-01",
        "00-0af7651916cd43dd8448eb211c80319c-0000000000000000-01",
        "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01-extra",
        "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01\n"})
    void aStoredTraceThatDoesNotParseIsNoParent(String stored) {
        Tracing on = tracing(Map.of("otel.exporter.otlp.endpoint", "http://127.0.0.1:1"));
        try {
            assertThat(Span.fromContext(on.carried(stored)).getSpanContext().isValid()).isFalse();
        } finally {
            on.close();
        }
    }

    @Test
    void theApplicationLogWritesTheCurrentSpansIds() {
        TraceIds converter = new TraceIds();
        LoggingEvent event = new LoggingEvent();
        assertThat(converter.convert(event)).isEmpty();
        Tracing on = tracing(Map.of("otel.exporter.otlp.endpoint", "http://127.0.0.1:1"));
        try {
            Span span = on.start("webhook", SpanKind.CLIENT, Context.root());
            try (Scope ignored = span.makeCurrent()) {
                assertThat(converter.convert(event)).isEqualTo(" trace_id=" + span.getSpanContext().getTraceId()
                        + " span_id=" + span.getSpanContext().getSpanId());
            }
            span.end();
        } finally {
            on.close();
        }
    }
}

package dev.ephemera.trace;

import io.micronaut.context.env.Environment;
import io.micronaut.core.naming.conventions.StringConvention;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * OpenTelemetry's settings as the broker reads them: the standard {@code otel.*} names, from the broker's
 * configuration (where the {@code OTEL_*} environment variables arrive too, as every property source does), on top of
 * the broker's defaults. Tracing is on only where an OTLP endpoint is named and nothing turns it off.
 */
final class TracingSettings {

    private static final String ENDPOINT = "otel.exporter.otlp.endpoint";
    private static final String TRACES_ENDPOINT = "otel.exporter.otlp.traces.endpoint";

    private TracingSettings() {
    }

    /** What the broker sets unless told otherwise: its name, traces only, OTLP over HTTP. */
    static Map<String, String> defaults() {
        return Map.of("otel.service.name", "ephemera",
                "otel.traces.exporter", "otlp",
                "otel.metrics.exporter", "none",
                "otel.logs.exporter", "none",
                "otel.propagators", "tracecontext",
                "otel.exporter.otlp.protocol", "http/protobuf");
    }

    /** The settings to build the SDK with; empty when tracing is off. */
    static Optional<Map<String, String>> of(Environment environment) {
        Map<String, String> settings = new TreeMap<>();
        flatten("otel", environment.getProperties("otel", StringConvention.RAW), settings);
        boolean named = !settings.getOrDefault(ENDPOINT, "").isBlank()
                || !settings.getOrDefault(TRACES_ENDPOINT, "").isBlank();
        boolean disabled = settings.getOrDefault("otel.sdk.disabled", "false").equalsIgnoreCase("true")
                || settings.getOrDefault("otel.traces.exporter", "otlp").equalsIgnoreCase("none");
        if (!named || disabled) {
            return Optional.empty();
        }
        for (String key : new String[] {"otel.exporter.otlp.protocol", "otel.exporter.otlp.traces.protocol"}) {
            String protocol = settings.getOrDefault(key, "http/protobuf").toLowerCase(Locale.ROOT);
            if (!protocol.equals("http/protobuf")) {
                throw new IllegalStateException(key + " is '" + protocol + "': the broker exports traces over "
                        + "OTLP/HTTP only (http/protobuf); point the endpoint at the collector's HTTP port (4318).");
            }
        }
        return Optional.of(settings);
    }

    private static void flatten(String prefix, Map<String, Object> properties, Map<String, String> into) {
        properties.forEach((key, value) -> {
            String name = prefix + "." + key;
            if (value instanceof Map<?, ?> nested) {
                @SuppressWarnings("unchecked")
                Map<String, Object> map = (Map<String, Object>) nested;
                flatten(name, map, into);
            } else if (value != null) {
                into.put(name, String.valueOf(value));
            }
        });
    }
}

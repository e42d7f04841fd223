package dev.ephemera.trace;

import io.micronaut.context.env.Environment;
import io.micronaut.core.naming.conventions.StringConvention;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * OpenTelemetry's settings as the broker reads them, with the precedence of OpenTelemetry's own SDK: a system property
 * ({@code -Dotel.…}) over an environment variable ({@code OTEL_…}) over the broker's configuration ({@code otel.*}
 * properties) over the broker's defaults. The SDK is given the same view, so that what decides whether tracing is on
 * is what the SDK then reads. Tracing is on only where an OTLP endpoint is named and nothing turns it off.
 */
final class TracingSettings {

    private static final String ENDPOINT = "otel.exporter.otlp.endpoint";
    private static final String TRACES_ENDPOINT = "otel.exporter.otlp.traces.endpoint";
    private static final String[] PROTOCOLS = {"otel.exporter.otlp.protocol", "otel.exporter.otlp.traces.protocol"};

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

    /**
     * The broker's own {@code otel.*} properties, given to the SDK beneath the system properties and environment
     * variables it reads itself; empty when tracing is off.
     */
    static Optional<Map<String, String>> of(Environment environment) {
        return of(configured(environment), System::getProperty, System::getenv);
    }

    static Optional<Map<String, String>> of(Map<String, String> configured, Function<String, String> properties,
            Function<String, String> variables) {
        Function<String, String> setting = key -> {
            String value = properties.apply(key);
            if (value == null) {
                value = variables.apply(key.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_'));
            }
            if (value == null) {
                value = configured.get(key);
            }
            return value == null ? defaults().getOrDefault(key, "") : value.trim();
        };
        boolean named = !setting.apply(ENDPOINT).isEmpty() || !setting.apply(TRACES_ENDPOINT).isEmpty();
        boolean disabled = setting.apply("otel.sdk.disabled").equalsIgnoreCase("true")
                || setting.apply("otel.traces.exporter").equalsIgnoreCase("none");
        if (!named || disabled) {
            return Optional.empty();
        }
        for (String key : PROTOCOLS) {
            String protocol = setting.apply(key).toLowerCase(Locale.ROOT);
            if (!protocol.isEmpty() && !protocol.equals("http/protobuf")) {
                throw new IllegalStateException(key + " is '" + protocol + "': the broker exports traces over "
                        + "OTLP/HTTP only (http/protobuf); point the endpoint at the collector's HTTP port (4318).");
            }
        }
        return Optional.of(configured);
    }

    /** The {@code otel.*} properties of the broker's configuration (its files, and what a test gives it). */
    private static Map<String, String> configured(Environment environment) {
        Map<String, String> settings = new HashMap<>();
        flatten("otel", environment.getProperties("otel", StringConvention.RAW), settings);
        return settings;
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

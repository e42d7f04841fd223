package dev.ephemera.audit;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import net.logstash.logback.argument.StructuredArguments;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One JSON line per {@link BrokerEvent} (mint, redeem, revoke, key change…), on the logger {@code ephemera.audit}:
 * its name, actor and fields as structured arguments, written by logstash-logback-encoder behind its asynchronous
 * appender, which never drops a line (logback.xml). Lines carry ids ({@code tok_…}, {@code key_…}), never a
 * secret: the events hold only ids and bindings. A line recorded within a trace carries its {@code trace_id} and
 * {@code span_id}: the span given, else the current one.
 */
@Singleton
public final class AuditLog {

    private static final Logger AUDIT = LoggerFactory.getLogger("ephemera.audit");

    private final Clock clock;
    private final List<AuditListener> listeners;

    AuditLog(Clock clock) {
        this(clock, List.of());
    }

    @Inject
    AuditLog(Clock clock, List<AuditListener> listeners) {
        this.clock = clock;
        this.listeners = List.copyOf(listeners);
    }

    /** Tells the listeners that want {@code event}, then writes its line, in the current span's trace if any. */
    public void record(BrokerEvent event) {
        record(event, Span.current().getSpanContext());
    }

    /**
     * Tells the listeners that want {@code event}, then writes its line with {@code trace}'s ids (none when it is
     * not recorded): for events recorded where the span is known but not current, on a store's thread.
     */
    public void record(BrokerEvent event, SpanContext trace) {
        for (AuditListener listener : listeners) {
            if (listener.wants(event)) {
                listener.recorded(event);
            }
        }
        if (AUDIT.isInfoEnabled()) {
            Map<String, Object> fields = event.fields();
            if (trace.isValid()) {
                fields = new LinkedHashMap<>(fields);
                fields.put("trace_id", trace.getTraceId());
                fields.put("span_id", trace.getSpanId());
            }
            write(event.name(), event.actor(), fields);
        }
    }

    /**
     * Writes the line of an event named {@code event} with these {@code name, value, …} fields, telling no
     * listener: the line's format alone, for its tests.
     */
    void record(String event, String actor, Object... fields) {
        if (AUDIT.isInfoEnabled()) {
            write(event, actor, fields(fields));
        }
    }

    private void write(String event, String actor, Map<String, Object> fields) {
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("ts", clock.instant().toString());
        line.put("event", event);
        line.put("actor", actor);
        line.putAll(fields);
        // The fields go as structured arguments: logstash-logback-encoder writes them as one JSON object (logback.xml,
        // appender AUDIT_OUT), escaped by Jackson; the message itself ("{}") is for other appenders.
        AUDIT.info("{}", StructuredArguments.entries(line));
    }

    /** {@code name, value, …} pairs in order, null values left out. */
    static Map<String, Object> fields(Object... pairs) {
        Map<String, Object> named = new LinkedHashMap<>();
        for (int i = 0; i + 1 < pairs.length; i += 2) {
            if (pairs[i + 1] != null) {
                named.put(String.valueOf(pairs[i]), pairs[i + 1]);
            }
        }
        return named;
    }
}

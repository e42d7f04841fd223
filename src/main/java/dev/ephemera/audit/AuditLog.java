package dev.ephemera.audit;

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
 * One JSON line per mint, redeem, revoke and key change, on the logger {@code ephemera.audit}: the event's fields
 * as structured arguments, written by logstash-logback-encoder behind its asynchronous appender, which never drops
 * a line (logback.xml). Lines carry ids ({@code tok_…}, {@code key_…}), never a secret: callers pass only
 * ids and bindings.
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

    /**
     * Writes one event.
     *
     * @param event  e.g. {@code token.minted}
     * @param actor  the caller's id
     * @param fields further ids and bindings, in order; null values are left out
     */
    public void record(String event, String actor, Object... fields) {
        Map<String, Object> named = null;
        for (AuditListener listener : listeners) {
            if (listener.wants(event)) {
                if (named == null) {
                    named = new LinkedHashMap<>();
                    for (int i = 0; i + 1 < fields.length; i += 2) {
                        if (fields[i + 1] != null) {
                            named.put(String.valueOf(fields[i]), fields[i + 1]);
                        }
                    }
                }
                listener.recorded(event, actor, named);
            }
        }
        if (!AUDIT.isInfoEnabled()) {
            return;
        }
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("ts", clock.instant().toString());
        line.put("event", event);
        line.put("actor", actor);
        for (int i = 0; i + 1 < fields.length; i += 2) {
            if (fields[i + 1] != null) {
                line.put(String.valueOf(fields[i]), fields[i + 1]);
            }
        }
        // The fields go as structured arguments: logstash-logback-encoder writes them as one JSON object (logback.xml,
        // appender AUDIT_OUT), escaped by Jackson; the message itself ("{}") is for other appenders.
        AUDIT.info("{}", StructuredArguments.entries(line));
    }
}

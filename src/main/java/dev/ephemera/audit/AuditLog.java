package dev.ephemera.audit;

import jakarta.inject.Singleton;
import java.time.Clock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One JSON line per mint, redeem, revoke and key change, on the logger {@code ephemera.audit}. Lines carry ids
 * ({@code tok_…}, {@code key_…}), never a secret: callers pass only ids and bindings.
 */
@Singleton
public final class AuditLog {

    private static final Logger AUDIT = LoggerFactory.getLogger("ephemera.audit");

    private final Clock clock;

    AuditLog(Clock clock) {
        this.clock = clock;
    }

    /**
     * Writes one event.
     *
     * @param event  e.g. {@code token.minted}
     * @param actor  the caller's id
     * @param fields further ids and bindings, in order; null values are left out
     */
    public void record(String event, String actor, Object... fields) {
        if (!AUDIT.isInfoEnabled()) {
            return;
        }
        StringBuilder line = new StringBuilder(256).append('{');
        field(line, "ts", clock.instant().toString());
        field(line.append(','), "event", event);
        field(line.append(','), "actor", actor);
        for (int i = 0; i + 1 < fields.length; i += 2) {
            if (fields[i + 1] != null) {
                field(line.append(','), String.valueOf(fields[i]), fields[i + 1]);
            }
        }
        AUDIT.info(line.append('}').toString());
    }

    private static void field(StringBuilder line, String name, Object value) {
        string(line, name);
        line.append(':');
        if (value instanceof Number || value instanceof Boolean) {
            line.append(value);
        } else if (value instanceof Iterable<?> items) {
            line.append('[');
            boolean first = true;
            for (Object item : items) {
                if (!first) {
                    line.append(',');
                }
                string(line, String.valueOf(item));
                first = false;
            }
            line.append(']');
        } else {
            string(line, String.valueOf(value));
        }
    }

    /** A JSON string (RFC 8259): quotes, backslashes and control characters escaped, so a value ends no line. */
    static void string(StringBuilder line, String value) {
        line.append('"');
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            switch (c) {
                case '"' -> line.append("\\\"");
                case '\\' -> line.append("\\\\");
                case '\n' -> line.append("\\n");
                case '\r' -> line.append("\\r");
                case '\t' -> line.append("\\t");
                default -> {
                    if (c < 0x20 || c == '\u2028' || c == '\u2029') {
                        line.append(String.format("\\u%04x", (int) c));
                    } else {
                        line.append(c);
                    }
                }
            }
        }
        line.append('"');
    }
}

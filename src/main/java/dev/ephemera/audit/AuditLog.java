package dev.ephemera.audit;

import io.micronaut.json.JsonMapper;
import jakarta.inject.Singleton;
import java.io.IOException;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One JSON line per mint, redeem, revoke and key change, on the logger {@code ephemera.audit}. Lines carry ids
 * ({@code tok_…}, {@code key_…}), never a secret: callers pass only ids and bindings.
 */
@Singleton
public final class AuditLog {

    private static final Logger AUDIT = LoggerFactory.getLogger("ephemera.audit");

    private final JsonMapper json;
    private final Clock clock;

    AuditLog(JsonMapper json, Clock clock) {
        this.json = json;
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
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("ts", clock.instant().toString());
        line.put("event", event);
        line.put("actor", actor);
        for (int i = 0; i + 1 < fields.length; i += 2) {
            if (fields[i + 1] != null) {
                line.put(String.valueOf(fields[i]), fields[i + 1]);
            }
        }
        try {
            AUDIT.info(json.writeValueAsString(line));
        } catch (IOException e) {
            AUDIT.warn("{\"event\":\"audit.unwritable\",\"about\":\"{}\"}", event);
        }
    }
}

package dev.ephemera.store.redis;

import dev.ephemera.session.LiveSession;
import dev.ephemera.session.Receipt;
import dev.ephemera.session.Usage;
import io.micronaut.json.JsonMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The sessions on a receipt: one JSON summary per session, in the field {@code s:<sessionId>}. */
final class SessionSummaries {

    private static final Logger LOG = LoggerFactory.getLogger(SessionSummaries.class);
    private static final String PREFIX = "s:";

    private final JsonMapper json;

    SessionSummaries(JsonMapper json) {
        this.json = json;
    }

    String live(LiveSession s) {
        return write(new Receipt.SessionSummary(s.id(), "live", s.openedAt(), null, null, Usage.NONE));
    }

    String closed(LiveSession s, String reason, long closedAt) {
        return write(new Receipt.SessionSummary(s.id(), "closed", s.openedAt(), closedAt, reason, s.usage()));
    }

    private String write(Receipt.SessionSummary summary) {
        try {
            return json.writeValueAsString(summary);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The summaries among a receipt's fields, oldest first; one that cannot be read is left out (and logged). */
    List<Receipt.SessionSummary> of(Map<String, String> fields) {
        List<Receipt.SessionSummary> out = new ArrayList<>();
        fields.forEach((name, value) -> {
            if (name.startsWith(PREFIX)) {
                try {
                    out.add(json.readValue(value, Receipt.SessionSummary.class));
                } catch (IOException e) {
                    LOG.warn("Unreadable session summary on a receipt: {}", e.getClass().getSimpleName());
                }
            }
        });
        out.sort(Comparator.comparingLong(Receipt.SessionSummary::openedAt).thenComparing(
                Receipt.SessionSummary::id));
        return out;
    }
}

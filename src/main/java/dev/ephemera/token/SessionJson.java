package dev.ephemera.token;

import dev.ephemera.error.BrokerException;
import dev.ephemera.json.StrictJson;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.json.JsonMapper;
import io.micronaut.json.tree.JsonNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/** A mint's {@code session} as the token stores it: JSON text of at most 16 KiB that the strict parser reads back. */
final class SessionJson {

    private static final int MAX_SESSION_BYTES = 16 * 1024;

    private SessionJson() {
    }

    @Nullable
    static String of(JsonMapper json, @Nullable JsonNode session) {
        if (session == null) {
            return null;
        }
        try {
            String text = json.writeValueAsString(session);
            if (text.length() > MAX_SESSION_BYTES) {
                throw BrokerException.invalid("session", "'session' may be at most 16 KiB of JSON.");
            }
            // Stored only as the strict parser will read it back at every redemption (SessionConfig): a value it
            // refuses (an unpaired surrogate, say) is refused now, not turned into a failure after a use is taken.
            if (!(StrictJson.parse(text.getBytes(StandardCharsets.UTF_8)).orElse(null) instanceof Map<?, ?>)) {
                throw BrokerException.invalid("session", "'session' must be a JSON object of well-formed text (no "
                        + "unpaired surrogates).");
            }
            return text;
        } catch (IOException e) {
            throw BrokerException.invalid("session", "'session' could not be stored as JSON.");
        }
    }
}

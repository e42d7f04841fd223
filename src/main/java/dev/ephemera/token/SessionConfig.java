package dev.ephemera.token;

import dev.ephemera.json.StrictJson;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The provider session config a token was minted with (the server-locked {@code session} of SPEC §4), read once by
 * the strict parser ({@link StrictJson}) from what the store holds, so that every later step (the first
 * {@code session.update}, the locks, the output cap, a call's restoring update) works on the same values and none
 * parses the text again. Immutable: {@link #fields()} and everything in it refuse changes; a step that changes the
 * config takes a copy.
 */
public final class SessionConfig {

    private final String text;
    private final Map<String, Object> fields;

    private SessionConfig(String text, Map<String, Object> fields) {
        this.text = text;
        this.fields = fields;
    }

    /**
     * The config stored as {@code text}; a stored config that is not one strict JSON object is an
     * {@link IllegalStateException} (the broker wrote it at mint), never an empty config.
     */
    public static SessionConfig parse(String text) {
        if (!(StrictJson.parse(text.getBytes(StandardCharsets.UTF_8)).orElse(null) instanceof Map<?, ?> object)) {
            throw new IllegalStateException("the stored session config of a token is not a JSON object");
        }
        // StrictJson's objects and arrays are unmodifiable already, all the way down.
        @SuppressWarnings("unchecked")
        Map<String, Object> fields = (Map<String, Object>) object;
        return new SessionConfig(text, fields);
    }

    /** The config's fields as {@link StrictJson} gives values, in their order; unmodifiable all the way down. */
    public Map<String, Object> fields() {
        return fields;
    }

    /** A copy of the top-level fields the caller may change (values still shared, and unmodifiable). */
    public Map<String, Object> copy() {
        return new LinkedHashMap<>(fields);
    }

    /** The config as stored: JSON text. */
    public String text() {
        return text;
    }

    @Override
    public String toString() {
        return "SessionConfig" + fields.keySet();
    }
}

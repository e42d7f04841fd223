package dev.ephemera.relay.event;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Caps what a realtime provider may write in reply at what is left of a token's budget (SPEC §11): each client
 * {@code response.create} gets {@code response.max_output_tokens} no higher than the budget left (added where
 * absent, lowered where higher or {@code "inf"}), and a client {@code session.update} that sets the session's limit
 * ({@code max_response_output_tokens}, or the GA API's {@code max_output_tokens}) has it lowered the same way. The
 * provider takes at most {@link #PROVIDER_MAXIMUM} a response: a budget above it is left to the provider's own
 * limit. Everything else in the event passes as it came. Frame in, frame out; no I/O.
 */
public final class OutputBudget {

    /** The highest output limit OpenAI's realtime API takes for one response. */
    public static final long PROVIDER_MAXIMUM = 4096;
    private static final byte[] CREATE = "response.create".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] UPDATE = "session.update".getBytes(StandardCharsets.US_ASCII);

    private OutputBudget() {
    }

    /**
     * {@code message}, a client event already judged and allowed, with its output limit capped at {@code left}
     * tokens; the same array when nothing changes.
     */
    public static byte[] capped(byte[] message, long left) {
        if (left > PROVIDER_MAXIMUM || !(contains(message, CREATE) || contains(message, UPDATE))) {
            return message;
        }
        Object parsed = StrictJson.parse(message).orElse(null);
        if (!(parsed instanceof Map<?, ?> event) || !(event.get("type") instanceof String type)) {
            return message;
        }
        long cap = Math.max(1, left);
        if (type.equals("response.create")) {
            Map<String, Object> response = copy(event.get("response"));
            if (!lowered(response, "max_output_tokens", cap, true)) {
                return message;
            }
            return StrictJson.write(with(event, "response", response));
        }
        if (type.equals("session.update") && event.get("session") instanceof Map<?, ?>) {
            Map<String, Object> session = copy(event.get("session"));
            boolean changed = lowered(session, "max_response_output_tokens", cap, false);
            changed |= lowered(session, "max_output_tokens", cap, false);
            return changed ? StrictJson.write(with(event, "session", session)) : message;
        }
        return message;
    }

    /** {@code sessionUpdate} (a {@code session.update} event) with the session's limit at most {@code left}. */
    public static byte[] withSessionLimit(byte[] sessionUpdate, long left) {
        if (!(StrictJson.parse(sessionUpdate).orElse(null) instanceof Map<?, ?> event)) {
            return sessionUpdate;
        }
        Map<String, Object> session = copy(event.get("session"));
        return lowered(session, "max_response_output_tokens", Math.max(1, left), true)
                ? StrictJson.write(with(event, "session", session)) : sessionUpdate;
    }

    /** The provider's first message of a session: the session's limit set to {@code left}. */
    public static byte[] sessionLimit(long left) {
        return StrictJson.write(Map.of("type", "session.update", "session",
                Map.of("max_response_output_tokens", BigDecimal.valueOf(Math.max(1, left)))));
    }

    /**
     * Lowers {@code field} to {@code cap} where it is higher or not a number ("inf"), or sets it where absent and
     * {@code addIfAbsent}; whether it changed. Shared with the HTTP relay's caps.
     */
    public static boolean lowered(Map<String, Object> object, String field, long cap, boolean addIfAbsent) {
        Object value = object.get(field);
        boolean lower = value == null ? addIfAbsent
                : value instanceof BigDecimal n ? n.compareTo(BigDecimal.valueOf(cap)) > 0 : true;
        if (lower) {
            object.put(field, BigDecimal.valueOf(cap));
        }
        return lower;
    }

    /** A mutable copy of a parsed JSON object (an empty one for anything else). */
    public static Map<String, Object> copy(Object object) {
        Map<String, Object> out = new LinkedHashMap<>();
        if (object instanceof Map<?, ?> m) {
            m.forEach((k, v) -> out.put((String) k, v));
        }
        return out;
    }

    private static Map<String, Object> with(Map<?, ?> event, String key, Object value) {
        Map<String, Object> out = copy(event);
        out.put(key, value);
        return out;
    }

    private static boolean contains(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }
}

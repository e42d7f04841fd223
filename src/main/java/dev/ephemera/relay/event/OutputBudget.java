package dev.ephemera.relay.event;

import dev.ephemera.json.StrictJson;
import java.math.BigDecimal;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Caps what a realtime provider may write in reply at what is left of a token's budget (SPEC §11), on the event as
 * the strict parser read it (never on its text, whose escapes would hide a type or a field): a client
 * {@code response.create} gets {@code response.max_output_tokens} no higher than the cap (added where absent, lowered
 * where higher or {@code "inf"}), and a client {@code session.update} that sets the session's limit
 * ({@code max_response_output_tokens}, or the GA API's {@code max_output_tokens}) has it lowered the same way. The
 * provider takes at most {@link #PROVIDER_MAXIMUM} a response. Everything else in the event passes as it came.
 * Event in, event out; no I/O.
 */
public final class OutputBudget {

    /** The highest output limit OpenAI's realtime API takes for one response. */
    public static final long PROVIDER_MAXIMUM = 4096;

    private OutputBudget() {
    }

    /**
     * {@code event}, a client event of {@code type} already judged and allowed, with its output limit at most
     * {@code cap} tokens (at least 1); the same map when nothing changes.
     */
    public static Map<String, Object> capped(Map<String, Object> event, String type, long cap) {
        long limit = Math.max(1, cap);
        if (type.equals("response.create")) {
            Map<String, Object> response = copy(event.get("response"));
            return lowered(response, "max_output_tokens", limit, true) ? with(event, "response", response) : event;
        }
        if (type.equals("session.update") && event.get("session") instanceof Map<?, ?>) {
            Map<String, Object> session = copy(event.get("session"));
            boolean changed = lowered(session, "max_response_output_tokens", limit, false);
            changed |= lowered(session, "max_output_tokens", limit, false);
            return changed ? with(event, "session", session) : event;
        }
        return event;
    }

    /** The output limit {@code response.create} event {@code event} asks for, or empty when it sets none. */
    public static java.util.OptionalLong responseLimit(Map<String, Object> event) {
        return event.get("response") instanceof Map<?, ?> response
                && response.get("max_output_tokens") instanceof BigDecimal n
                ? java.util.OptionalLong.of(n.longValue()) : java.util.OptionalLong.empty();
    }

    /**
     * The output limit a client event of {@code type} sets, as a whole number: a {@code response.create}'s
     * {@code response.max_output_tokens}, a {@code session.update}'s {@code max_response_output_tokens} or
     * {@code max_output_tokens}; empty when it sets none (or {@code "inf"}).
     */
    public static java.util.OptionalLong askedLimit(Map<String, Object> event, String type) {
        if (type.equals("response.create")) {
            return responseLimit(event);
        }
        if (type.equals("session.update") && event.get("session") instanceof Map<?, ?> session) {
            for (String field : new String[] {"max_response_output_tokens", "max_output_tokens"}) {
                if (session.get(field) instanceof BigDecimal n && n.signum() > 0) {
                    return java.util.OptionalLong.of(n.min(BigDecimal.valueOf(Long.MAX_VALUE)).longValue());
                }
            }
        }
        return java.util.OptionalLong.empty();
    }

    /** The provider's first message of a session: the session's limit set to {@code left}. */
    public static byte[] sessionLimit(long left) {
        return StrictJson.write(event(Map.of("max_response_output_tokens", BigDecimal.valueOf(Math.max(1, left)))));
    }

    /**
     * A WebRTC call's limit set to {@code left} through its sideband, in the GA shape the calls API takes
     * ({@code session.type}, {@code max_output_tokens}).
     */
    public static byte[] callLimit(long left) {
        Map<String, Object> session = new LinkedHashMap<>();
        session.put("type", "realtime");
        session.put("max_output_tokens", BigDecimal.valueOf(Math.max(1, left)));
        return StrictJson.write(event(session));
    }

    /** A {@code session.update} of {@code session}, its type first. */
    public static Map<String, Object> event(Map<String, Object> session) {
        Map<String, Object> event = new LinkedHashMap<>();
        event.put("type", "session.update");
        event.put("session", session);
        return event;
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

    /** A copy of {@code event} with {@code key} set to {@code value}. */
    public static Map<String, Object> with(Map<?, ?> event, String key, Object value) {
        Map<String, Object> out = copy(event);
        out.put(key, value);
        return out;
    }
}

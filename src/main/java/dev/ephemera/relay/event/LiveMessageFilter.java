package dev.ephemera.relay.event;

import dev.ephemera.json.StrictJson;
import io.micronaut.core.annotation.Nullable;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Judges each client message of a Live session ({@link LiveProtocol}) before it may reach the provider, on the
 * decoded values of one strict parse ({@link StrictJson}): a message must be an object with exactly one known key
 * (under either spelling) whose value is an object; the first must be {@code setup}, and no other may be. In the
 * setup, a locked field under any of its spellings may carry only its locked value, and an object replaced on a
 * locked path counts as changing it; two keys that spell one field, a key that differs from a locked name only by
 * case, spaces or underscores, or one that is no field's name ({@code [A-Za-z][A-Za-z0-9_]*}: no NUL, no zero-width
 * space), are refused, so no meaning is left to the provider's parser. With the system
 * instruction locked, no content may have a {@code role} other than {@code user} or {@code model}. One per session,
 * on its event loop (it remembers whether the setup came).
 */
final class LiveMessageFilter implements RealtimeProtocol.ClientJudge {

    /** How a protocol buffer field is named, in either spelling: nothing else names one (NUL, a zero-width space). */
    private static final java.util.regex.Pattern FIELD_NAME = java.util.regex.Pattern.compile("[A-Za-z][A-Za-z0-9_]*");

    private final LiveProtocol protocol;
    /** Locked field -> its locked value (absent: the field may not be set at all). */
    private final Map<String, Optional<Object>> locked = new LinkedHashMap<>();
    /** The plain form ({@link LiveProtocol#plain}) of every segment of a locked path -> its two exact spellings. */
    private final Map<String, Set<String>> lockedNames = new HashMap<>();
    private boolean setupSeen;

    LiveMessageFilter(LiveProtocol protocol, @Nullable Object session, List<String> lockedFields) {
        this.protocol = protocol;
        for (String field : lockedFields) {
            Optional<Object> value = Optional.empty();
            for (String spelling : protocol.spellings(field)) {
                value = value.isPresent() ? value : Optional.ofNullable(ClientEventFilter.at(session, spelling));
            }
            locked.put(field, value);
        }
        for (String field : lockedFields) {
            for (String segment : field.split("\\.")) {
                String camel = LiveProtocol.camel(segment);
                lockedNames.put(LiveProtocol.plain(segment), Set.copyOf(List.of(camel, LiveProtocol.snake(camel))));
            }
        }
    }

    @Override
    public ClientEventFilter.Verdict judge(byte[] frame) {
        // Streamed media is sent on as it came; its long strings are checked, not copied. Anything else is read whole.
        Object parsed = StrictJson.parseLeavingLongText(frame).orElse(null);
        if (!(parsed instanceof Map<?, ?> first && first.size() == 1
                && first.keySet().iterator().next() instanceof String key
                && LiveProtocol.REALTIME_INPUT.equals(LiveProtocol.MESSAGES.get(key)))) {
            parsed = StrictJson.parse(frame).orElse(null);
        }
        if (!(parsed instanceof Map<?, ?> message) || message.size() != 1
                || !(LiveProtocol.MESSAGES.get((String) message.keySet().iterator().next()) instanceof String type)
                || !(message.values().iterator().next() instanceof Map<?, ?> body)) {
            return invalid("Each message must be one JSON object with exactly one of setup, clientContent, "
                    + "realtimeInput and toolResponse, itself an object, in UTF-8, without duplicate keys; this one "
                    + "was not sent on.", null);
        }
        if (type.equals(LiveProtocol.SETUP) == setupSeen) {
            return invalid(setupSeen ? "The session's setup was sent already; it cannot be changed."
                    : "The first message must be the session's setup.", LiveProtocol.SETUP);
        }
        @SuppressWarnings("unchecked")
        ClientEventFilter.Forward forward = new ClientEventFilter.Forward((Map<String, Object>) message, type, null);
        if (type.equals(LiveProtocol.SETUP)) {
            String clash = clash(body, "");
            if (clash != null) {
                return new ClientEventFilter.Refuse("invalid_event", "Two keys spell one field, a key differs from "
                        + "a locked field only by case, spaces or underscores, or a key is no field's name; send each "
                        + "field once, as the protocol spells it.", "setup" + clash, null);
            }
            for (Map.Entry<String, Optional<Object>> field : locked.entrySet()) {
                for (String spelling : protocol.spellings(field.getKey())) {
                    if (ClientEventFilter.changes(body, spelling.split("\\."), 0, field.getValue())) {
                        return new ClientEventFilter.Refuse("locked_field", "'" + field.getKey() + "' is locked by "
                                + "the server for this session and cannot be changed.", "setup." + spelling, null);
                    }
                }
            }
            setupSeen = true;
        } else if (locked.containsKey(LiveProtocol.INSTRUCTION) && otherRole(body)) {
            return new ClientEventFilter.Refuse("locked_field", "Content with a role other than user or model "
                    + "would change the locked system instruction.", LiveProtocol.INSTRUCTION, null);
        }
        return forward;
    }

    /**
     * Where, under {@code map} (at {@code path}), two keys spell one field or a key is a near-spelling of a locked
     * name; followed into every object under a locked name. Null when nowhere.
     */
    @Nullable
    private String clash(Map<?, ?> map, String path) {
        Map<String, String> seen = new HashMap<>();
        for (Map.Entry<?, ?> entry : map.entrySet()) {
            String key = (String) entry.getKey();
            String plain = LiveProtocol.plain(key);
            if (!FIELD_NAME.matcher(key).matches()) {
                return path;
            }
            Set<String> exact = lockedNames.get(plain);
            if (seen.put(plain, key) != null || exact != null && !exact.contains(key)) {
                return path + "." + plain;
            }
            if (exact != null && entry.getValue() instanceof Map<?, ?> inner) {
                String found = clash(inner, path + "." + LiveProtocol.camel(key));
                if (found != null) {
                    return found;
                }
            }
        }
        return null;
    }

    /** Whether any object in {@code node}, at any depth, has a {@code role} that is not a content's. */
    private static boolean otherRole(Object node) {
        List<Object> pending = new ArrayList<>(List.of(node));
        while (!pending.isEmpty()) {
            Object next = pending.removeLast();
            if (next instanceof Map<?, ?> map) {
                if (map.containsKey("role") && !(map.get("role") instanceof String role
                        && LiveProtocol.ROLES.contains(role))) {
                    return true;
                }
                pending.addAll(map.values());
            } else if (next instanceof List<?> list) {
                pending.addAll(list);
            }
        }
        return false;
    }

    private static ClientEventFilter.Refuse invalid(String message, @Nullable String param) {
        return new ClientEventFilter.Refuse("invalid_event", message, param, null);
    }
}

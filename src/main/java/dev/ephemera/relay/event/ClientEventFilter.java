package dev.ephemera.relay.event;

import dev.ephemera.json.StrictJson;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Judges each client frame of a realtime session before it may reach the provider: frame in, verdict out, no I/O.
 * A frame must be one strict JSON object ({@link StrictJson}) with a string {@code type}; decisions are made on
 * the decoded values, never on the text. With locked fields:
 * <ul>
 *   <li>an event that carries configuration ({@link RealtimeProtocol#configEvents()}) may name a locked field, or
 *       any spelling of it, only with the locked value; replacing an object on a locked path (say {@code audio:
 *       null} over {@code audio.output.voice}) counts as changing it;</li>
 *   <li>with {@code instructions} locked, no event may bring a {@code system} or {@code developer} message: it
 *       would act as instructions, wherever the protocol lets an item appear (a conversation item, a response's
 *       {@code input}, …), so any object at any depth whose {@code role} is not exactly {@code user} or
 *       {@code assistant} is refused (an allow-list: {@code "system "} or {@code ["system"]} too);</li>
 *   <li>a configuration key that differs from a locked field only by case or surrounding spaces is refused: no
 *       meaning of it is left to the provider's parser;</li>
 *   <li>an event type the protocol does not know is refused when any of its keys, at any depth, is a name on a
 *       locked path.</li>
 * </ul>
 * Without locks too, an event type the protocol does not know but that differs from one it knows only by case or
 * surrounding spaces ({@code "Response.Create"}, {@code "response.create "}) is refused: budgets and locks are
 * applied to the known types, so no near-spelling passes beside them. Immutable and thread-safe; one per session.
 */
public final class ClientEventFilter implements RealtimeProtocol.ClientJudge {

    /** What to do with one frame. */
    public sealed interface Verdict {
    }

    /**
     * Send it on. {@code event} is the frame as the strict parser read it, the one every later decision (budgets,
     * counts) is made on; {@code type} its {@code type}, {@code eventId} its string {@code event_id} or null. In an
     * event of a type known to carry no configuration, long plain strings are {@link StrictJson#UNREAD_TEXT}.
     */
    public record Forward(Map<String, Object> event, String type, String eventId) implements Verdict {
    }

    /**
     * Do not send it; tell the client. {@code code} is {@code invalid_event} or {@code locked_field}; {@code param}
     * names the field (never a value the client sent), {@code eventId} is the client's {@code event_id} when the
     * frame had a string one.
     */
    public record Refuse(String code, String message, String param, String eventId) implements Verdict {
    }

    /** The message roles a client may send while instructions are locked; any other may act as instructions. */
    private static final Set<String> CLIENT_ROLES = Set.of("user", "assistant");

    private final OpenAiProtocol protocol;
    /** Locked field -> its locked value (absent: the field may not be set at all). */
    private final Map<String, Optional<Object>> locked = new LinkedHashMap<>();
    private final Set<String> lockedNames = new LinkedHashSet<>();

    /**
     * @param session the token's session config as {@link StrictJson} parsed it, or null
     * @param lockedFields dotted paths into the session config
     */
    public ClientEventFilter(OpenAiProtocol protocol, Object session, List<String> lockedFields) {
        this.protocol = protocol;
        for (String field : lockedFields) {
            Optional<Object> value = Optional.empty();
            for (String spelling : protocol.spellings(field)) {
                value = value.isPresent() ? value : Optional.ofNullable(at(session, spelling));
                lockedNames.addAll(List.of(spelling.split("\\.")));
            }
            locked.put(field, value);
        }
    }

    @Override
    public Verdict judge(byte[] frame) {
        // An event the protocol knows to carry no configuration is sent on as it came, and no decision reads its
        // long strings (an audio append's base64): they are checked, not copied. Any other event is read whole.
        Object parsed = StrictJson.parseLeavingLongText(frame).orElse(null);
        if (parsed instanceof Map<?, ?> event && !(event.get("type") instanceof String type
                && protocol.plainEvents().contains(type))) {
            parsed = StrictJson.parse(frame).orElse(null);
        }
        if (!(parsed instanceof Map<?, ?> event) || !(event.get("type") instanceof String type)) {
            return new Refuse("invalid_event", "Each message must be one JSON object with a string 'type', in "
                    + "UTF-8, without duplicate keys; this one was not sent on.", null, null);
        }
        String eventId = event.get("event_id") instanceof String id ? id : null;
        if (nearSpelling(type)) {
            return new Refuse("invalid_event", "This event type differs from one the broker knows only by case or "
                    + "spaces; send it as the protocol spells it.", "type", eventId);
        }
        @SuppressWarnings("unchecked")
        Forward forward = new Forward((Map<String, Object>) event, type, eventId);
        if (locked.isEmpty()) {
            return forward;
        }
        if (locked.containsKey("instructions") && instructingMessage(event)) {
            return lockedField("instructions", "A system or developer message would change the locked "
                    + "instructions.", eventId);
        }
        String configKey = protocol.configEvents().get(type);
        if (configKey != null) {
            return config(event, configKey, eventId, forward);
        }
        if (!protocol.plainEvents().contains(type)) {
            String name = firstLockedName(event);
            if (name != null) {
                return new Refuse("locked_field", "This event type is not known to the broker and names a field "
                        + "that is locked for this session; it was not sent on.", name, eventId);
            }
        }
        return forward;
    }

    private boolean nearSpelling(String type) {
        if (protocol.configEvents().containsKey(type) || protocol.plainEvents().contains(type)) {
            return false;
        }
        String plain = type.strip().toLowerCase(Locale.ROOT);
        return protocol.configEvents().containsKey(plain) || protocol.plainEvents().contains(plain);
    }

    /** Whether any object in {@code event}, at any depth, has a {@code role} that is not a client's. */
    private static boolean instructingMessage(Map<?, ?> event) {
        List<Object> pending = new ArrayList<>(List.of(event));
        while (!pending.isEmpty()) {
            Object next = pending.removeLast();
            if (next instanceof Map<?, ?> map) {
                if (map.containsKey("role") && !(map.get("role") instanceof String role
                        && CLIENT_ROLES.contains(role))) {
                    return true;
                }
                pending.addAll(map.values());
            } else if (next instanceof List<?> list) {
                pending.addAll(list);
            }
        }
        return false;
    }

    private Verdict config(Map<?, ?> event, String key, String eventId, Forward forward) {
        if (!event.containsKey(key)) {
            return forward;
        }
        if (!(event.get(key) instanceof Map<?, ?> config)) {
            return new Refuse("invalid_event", "'" + key + "' must be an object.", key, eventId);
        }
        for (Object name : config.keySet()) {
            String plain = ((String) name).strip().toLowerCase(Locale.ROOT);
            if (!lockedNames.contains(name) && lockedNames.contains(plain)) {
                return lockedField(key + "." + plain, "'" + plain + "' is locked by the server for this "
                        + "session; it may not be written in another case either.", eventId);
            }
        }
        for (Map.Entry<String, Optional<Object>> field : locked.entrySet()) {
            for (String spelling : protocol.spellings(field.getKey())) {
                if (changes(config, spelling.split("\\."), 0, field.getValue())) {
                    return lockedField(key + "." + spelling, "'" + field.getKey() + "' is locked by the server "
                            + "for this session and cannot be changed.", eventId);
                }
            }
        }
        return forward;
    }

    /** Whether {@code config} sets the path {@code parts[i..]} to anything but {@code lockedValue}. */
    static boolean changes(Map<?, ?> config, String[] parts, int i, Optional<Object> lockedValue) {
        if (!config.containsKey(parts[i])) {
            return false;
        }
        Object value = config.get(parts[i]);
        if (i == parts.length - 1) {
            return lockedValue.isEmpty() || !StrictJson.same(value, lockedValue.get());
        }
        // An object replaced by anything else takes the locked value with it.
        return !(value instanceof Map<?, ?> inner) || changes(inner, parts, i + 1, lockedValue);
    }

    private static Refuse lockedField(String param, String message, String eventId) {
        return new Refuse("locked_field", message, param, eventId);
    }

    private String firstLockedName(Object node) {
        List<Object> pending = new ArrayList<>(List.of(node));
        while (!pending.isEmpty()) {
            Object next = pending.removeLast();
            if (next instanceof Map<?, ?> map) {
                for (Map.Entry<?, ?> e : map.entrySet()) {
                    if (lockedNames.contains(e.getKey())) {
                        return (String) e.getKey();
                    }
                    pending.add(e.getValue());
                }
            } else if (next instanceof List<?> list) {
                pending.addAll(list);
            }
        }
        return null;
    }

    static Object at(Object node, String path) {
        Object current = node;
        for (String part : path.split("\\.")) {
            if (!(current instanceof Map<?, ?> map) || !map.containsKey(part)) {
                return null;
            }
            current = map.get(part);
        }
        return current;
    }
}

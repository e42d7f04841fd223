package dev.ephemera.profile;

import io.micronaut.core.annotation.Nullable;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A profile's {@code data-channel} rules (SPEC §10) as GPT-Live takes them: {@code client.data_channel
 * .allowed_client_events} and {@code allowed_server_events} in the session config its tokens carry, each a list of
 * event types or {@code "all"}. A rule that is neither stops the boot.
 */
final class DataChannelRules {

    private static final Map<String, String> NAMES = Map.of("allowed-client-events", "allowed_client_events",
            "allowed-server-events", "allowed_server_events");

    private DataChannelRules() {
    }

    /** {@code session} with {@code rules} in it (a new map), or {@code session} itself when there are none. */
    @Nullable
    static Map<String, Object> into(String prefix, @Nullable Map<String, Object> session,
            @Nullable Map<String, Object> rules) {
        if (rules == null || rules.isEmpty()) {
            return session;
        }
        Map<String, Object> channel = new LinkedHashMap<>();
        rules.forEach((name, value) -> {
            String field = NAMES.get(name);
            if (field == null) {
                throw new IllegalStateException(prefix + ".data-channel." + name + " is not a rule; known: "
                        + NAMES.keySet());
            }
            channel.put(field, events(prefix + ".data-channel." + name, value));
        });
        Map<String, Object> out = session == null ? new LinkedHashMap<>() : new LinkedHashMap<>(session);
        out.put("client", Map.of("data_channel", channel));
        return out;
    }

    private static Object events(String property, Object value) {
        if ("all".equals(value)) {
            return "all";
        }
        Collection<?> listed = value instanceof Collection<?> c ? c
                : value instanceof String s ? List.of(s.split(",")) : null;
        if (listed == null || listed.stream().anyMatch(e -> !(e instanceof String s) || s.isBlank())) {
            throw new IllegalStateException(property + " must be a list of event types, or all");
        }
        return listed.stream().map(e -> ((String) e).trim()).toList();
    }
}

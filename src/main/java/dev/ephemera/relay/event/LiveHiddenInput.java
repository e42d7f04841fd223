package dev.ephemera.relay.event;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * What a Live API message ({@link LiveProtocol}) brings the provider that the broker cannot see or price, for a
 * session under a money limit, where it is refused: a resumed session's stored state ({@code sessionResumption}
 * with a {@code handle}, or in any shape but an object), a tool other than the client's own functions (Google
 * Search, code execution, URL context, … — and {@code tools} in any shape but a list of such objects), a file by
 * URI or cached content anywhere in any message. Decided on the parsed message; each field under both spellings.
 */
public final class LiveHiddenInput {

    /** The only tool whose work the broker sees: the client runs it and sends its result. */
    private static final Set<String> OWN_TOOLS = Set.of("functionDeclarations", "function_declarations");
    /** Content the provider fetches or holds itself. */
    private static final Set<String> FETCHED = Set.of("fileData", "file_data", "cachedContent", "cached_content");

    private LiveHiddenInput() {
    }

    /** Where {@code message} ({@code type}: its kind) brings what the broker cannot see, as a field; empty: nowhere. */
    public static Optional<String> find(String type, Map<?, ?> message) {
        Map<?, ?> body = (Map<?, ?>) message.values().iterator().next();
        if (type.equals(LiveProtocol.SETUP)) {
            Object resumption = first(body, "sessionResumption", "session_resumption");
            if (resumption != null && !(resumption instanceof Map<?, ?> r && r.get("handle") == null)) {
                return Optional.of("setup.sessionResumption");
            }
            Object tools = body.get("tools");
            if (tools != null && !(tools instanceof List<?> list && list.stream().allMatch(tool ->
                    tool instanceof Map<?, ?> t && OWN_TOOLS.containsAll(t.keySet())))) {
                return Optional.of("setup.tools");
            }
        }
        return fetched(body);
    }

    private static Object first(Map<?, ?> map, String... names) {
        for (String name : names) {
            if (map.get(name) != null) {
                return map.get(name);
            }
        }
        return null;
    }

    /** The first key, at any depth, that names content the provider fetches itself. */
    private static Optional<String> fetched(Object node) {
        List<Object> pending = new ArrayList<>(List.of(node));
        while (!pending.isEmpty()) {
            Object next = pending.removeLast();
            if (next instanceof Map<?, ?> map) {
                for (Object key : map.keySet()) {
                    if (FETCHED.contains(key)) {
                        return Optional.of(LiveProtocol.camel((String) key));
                    }
                }
                pending.addAll(map.values());
            } else if (next instanceof List<?> list) {
                pending.addAll(list);
            }
        }
        return Optional.empty();
    }
}

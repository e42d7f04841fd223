package dev.ephemera.relay;

import dev.ephemera.relay.event.ClientEventFilter;
import dev.ephemera.relay.event.LiveProtocol;
import java.util.List;
import java.util.Map;

/**
 * The client's messages of a metered Live session on their way to the provider ({@link LiveProtocol}: no request
 * per response; the provider starts each turn, held to the setup's one output limit, {@link SessionMeter#fixedCap}).
 * Under a money limit, what the message adds to the input of the turns after it is estimated from above (streamed
 * audio at one token per {@link MoneyPurse#AUDIO_BYTES_PER_TOKEN} decoded bytes, anything else a token per byte),
 * and a message that brings input or work the broker cannot see is refused: a resumed session's stored state, a
 * tool other than the client's own functions, a file by URI. One per {@link SessionMeter}, on its event loop.
 */
final class LiveTurns {

    /** The only tool whose work the broker sees (the client runs it and sends its result). */
    private static final List<String> OWN_TOOLS = List.of("functionDeclarations", "function_declarations");

    private final SessionMeter meter;

    LiveTurns(SessionMeter meter) {
        this.meter = meter;
    }

    Outcome toProvider(ClientEventFilter.Forward event, byte[] message) {
        MoneyPurse purse = meter.purse();
        if (purse == null) {
            return new Outcome.Send(message);
        }
        String hidden = hidden(event);
        if (hidden != null) {
            return new Outcome.Refused(new ClientEventFilter.Refuse("usage_not_measurable", "This session has a "
                    + "money limit, and this message brings the provider input or work the broker cannot see (a "
                    + "resumed session, a hosted tool, a file by URI), so its cost cannot be held to it.", hidden,
                    null));
        }
        boolean audio = event.type().equals("realtimeInput") && message.length > 0 && streamsAudio(event.event());
        purse.added(audio ? message.length * 3L / 4 / MoneyPurse.AUDIO_BYTES_PER_TOKEN + 1 : message.length, audio);
        return new Outcome.Send(message);
    }

    /** Where {@code event} brings what the broker cannot see, or null. */
    private static String hidden(ClientEventFilter.Forward event) {
        Map<?, ?> body = (Map<?, ?>) event.event().values().iterator().next();
        if (event.type().equals(LiveProtocol.SETUP)) {
            Object resumption = first(body, "sessionResumption", "session_resumption");
            if (resumption instanceof Map<?, ?> r && first(r, "handle") != null) {
                return "setup.sessionResumption.handle";
            }
            if (first(body, "tools") instanceof List<?> tools) {
                for (Object tool : tools) {
                    if (!(tool instanceof Map<?, ?> t) || !OWN_TOOLS.containsAll(t.keySet())) {
                        return "setup.tools";
                    }
                }
            }
            return null;
        }
        return mentions(body, "fileData", "file_data") ? "fileData" : null;
    }

    /** Whether streamed input carries audio only (decided on its parsed keys: an {@code audio} blob). */
    private static boolean streamsAudio(Map<String, Object> event) {
        return event.get(event.keySet().iterator().next()) instanceof Map<?, ?> input && input.size() == 1
                && input.containsKey("audio");
    }

    private static Object first(Map<?, ?> map, String... names) {
        for (String name : names) {
            if (map.get(name) != null) {
                return map.get(name);
            }
        }
        return null;
    }

    private static boolean mentions(Object node, String... names) {
        List<Object> pending = new java.util.ArrayList<>(List.of(node));
        while (!pending.isEmpty()) {
            Object next = pending.removeLast();
            if (next instanceof Map<?, ?> map) {
                for (String name : names) {
                    if (map.containsKey(name)) {
                        return true;
                    }
                }
                pending.addAll(map.values());
            } else if (next instanceof List<?> list) {
                pending.addAll(list);
            }
        }
        return false;
    }
}

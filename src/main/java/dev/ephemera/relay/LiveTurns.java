package dev.ephemera.relay;

import dev.ephemera.relay.event.ClientEventFilter;
import dev.ephemera.relay.event.LiveProtocol;
import dev.ephemera.relay.event.OutputBudget;
import dev.ephemera.session.Usage;
import dev.ephemera.token.UsageLimits;
import io.micronaut.core.annotation.Nullable;
import java.util.List;
import java.util.Map;

/**
 * The client's messages of a metered Live session on their way to the provider ({@link LiveProtocol}: no request
 * per response; the provider starts each turn, held to the setup's one output limit, {@link #cap}).
 * What each message adds to the input of the turns after it is estimated from above (streamed audio at one token
 * per {@link MoneyPurse#AUDIO_BYTES_PER_TOKEN} decoded bytes, anything else a token per byte), on top of the last
 * turn's input and output (the context the next turn carries, as Google bills it): with no turn running, a message
 * after which what is left could not pay for that input and one more full turn ends the session instead of going
 * on. Under a money limit, a message that brings input or work the broker cannot see is refused: a resumed
 * session's stored state, a tool other than the client's own functions, a file by URI. One per
 * {@link SessionMeter}, on its event loop.
 */
public final class LiveTurns {

    /** The only tool whose work the broker sees (the client runs it and sends its result). */
    private static final List<String> OWN_TOOLS = List.of("functionDeclarations", "function_declarations");

    private final SessionMeter meter;
    private final UsageLimits limits;
    private final OutstandingResponses outstanding;
    /** The input the next turn will carry, in tokens, estimated from above. */
    private long carried;
    /** The output limit of every turn, set by the setup. */
    private long cap = OutputBudget.PROVIDER_MAXIMUM;

    LiveTurns(SessionMeter meter, UsageLimits limits, OutstandingResponses outstanding) {
        this.meter = meter;
        this.limits = limits;
        this.outstanding = outstanding;
    }

    /** Every turn is held to {@code tokens} output tokens, set when the session started; a grant holds one. */
    public void cap(long tokens) {
        cap = tokens;
        if (meter.purse() != null) {
            meter.purse().asked(tokens);
        }
    }

    long cap() {
        return cap;
    }

    /**
     * What one more turn may have, once the input it will carry ({@link #carried}) and the outstanding turns are
     * paid for (tokens, and money: {@link MoneyPurse#cap}); null: no limit.
     */
    @Nullable
    public Long left() {
        MoneyPurse purse = meter.purse();
        Long budget = limits.maxTotalTokens();
        Long tokens = budget == null ? null
                : budget - meter.tokenTotal().totalTokens() - outstanding.reserved() - carried;
        if (purse == null) {
            return tokens;
        }
        return tokens == null ? purse.cap() : Math.min(tokens, purse.cap());
    }

    /** Whether, with no turn running, one more full turn could be paid for (while one runs, it is let be). */
    boolean canTakeATurn() {
        Long left = left();
        MoneyPurse purse = meter.purse();
        return left == null || outstanding.count() > 0 || purse != null && purse.asking() || left >= cap;
    }

    /** A turn is done, having used {@code usage} (null: unreported, when it counts as {@code held} output more). */
    void done(@Nullable Usage usage, long held) {
        carried = usage == null ? carried + held : usage.inputTokens() + usage.outputTokens();
    }

    Outcome toProvider(ClientEventFilter.Forward event, byte[] message) {
        if (limits.maxTotalTokens() == null && limits.maxResponses() == null && meter.purse() == null) {
            return new Outcome.Send(message);
        }
        MoneyPurse purse = meter.purse();
        String hidden = purse == null ? null : hidden(event);
        if (hidden != null) {
            return new Outcome.Refused(new ClientEventFilter.Refuse("usage_not_measurable", "This session has a "
                    + "money limit, and this message brings the provider input or work the broker cannot see (a "
                    + "resumed session, a hosted tool, a file by URI), so its cost cannot be held to it.", hidden,
                    null));
        }
        boolean audio = event.type().equals("realtimeInput") && streamsAudio(event.event());
        long tokens = audio ? message.length * 3L / 4 / MoneyPurse.AUDIO_BYTES_PER_TOKEN + 1 : message.length;
        carried += tokens;
        if (purse != null) {
            purse.added(tokens, audio);
        }
        if (!event.type().equals(LiveProtocol.SETUP) && !canTakeATurn()) {
            return new Outcome.Refused(new ClientEventFilter.Refuse("usage_limit_reached", "What is left of the "
                    + "budget could not pay for this input and one more turn.", null, null));
        }
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

package dev.ephemera.relay;

import dev.ephemera.relay.event.ClientEventFilter;
import dev.ephemera.relay.event.LiveHiddenInput;
import dev.ephemera.relay.event.LiveProtocol;
import dev.ephemera.relay.event.OutputBudget;
import dev.ephemera.secret.Secrets;
import dev.ephemera.session.Usage;
import dev.ephemera.token.UsageLimits;
import io.micronaut.core.annotation.Nullable;
import java.util.ArrayDeque;
import java.util.Map;

/**
 * The client's messages of a metered Live session on their way to the provider ({@link LiveProtocol}: no limit per
 * response; every turn is held to the setup's one output limit, {@link #cap}). What each message adds to the input
 * of the turns after it is estimated from above (streamed audio at one token per
 * {@link MoneyPurse#AUDIO_BYTES_PER_TOKEN} decoded bytes, anything else a token per byte), on top of the last
 * turn's input and output (the context the next turn carries, as Google bills it). A message that asks for a turn
 * (content with {@code turnComplete}, streamed text, a tool's result with no turn running) is held like a
 * {@code response.create}: it reserves a full turn, and when what is left could not pay for it and its input, the
 * session ends instead. Streamed media may start a turn on voice activity: with a turn running and no full turn
 * left it is not sent on (no barge-in at the end of a budget), with none running the session ends. While the money
 * held is being renewed, what is left is not known: the messages wait, in order, for the store's answer
 * ({@link #resume}; a few milliseconds). Under a money limit, what the broker cannot see is refused
 * ({@link LiveHiddenInput}). One per {@link SessionMeter}, on its event loop.
 */
public final class LiveTurns {

    /** At most this many messages wait for one answer of the store (a few milliseconds); more end the session. */
    private static final int MAX_HELD = 256;

    /** A client message waiting for the store: the event the filter read, and its bytes. */
    private record Held(ClientEventFilter.Forward event, byte[] message) {
    }

    private final SessionMeter meter;
    private final UsageLimits limits;
    private final OutstandingResponses outstanding;
    private final ClientRequests requests;
    /** This session's prefix of the ids its requests for turns are held under: not guessable. */
    private final String ids = "turn_request_" + Secrets.randomBase62(12) + "_";
    /** Client messages waiting, in order, for the store to say what is left (a renewal of the money held). */
    private final ArrayDeque<Held> held = new ArrayDeque<>();
    private long asked;
    /** The input the next turn will carry, in tokens, estimated from above. */
    private long carried;
    /** The output limit of every turn, set by the setup. */
    private long cap = OutputBudget.PROVIDER_MAXIMUM;

    LiveTurns(SessionMeter meter, UsageLimits limits, OutstandingResponses outstanding, ClientRequests requests) {
        this.meter = meter;
        this.limits = limits;
        this.outstanding = outstanding;
        this.requests = requests;
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

    /** What one turn holds: its output limit, its money, and (under a token limit) the input it will carry. */
    OutstandingResponses.Share share() {
        return requests.share(cap).withInput(limits.maxTotalTokens() == null ? 0 : carried);
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

    /** Whether one more full turn could be paid for now. */
    private boolean affords() {
        Long left = left();
        return left == null || left >= cap;
    }

    /** Whether the money held is being renewed: what is left is known once the store answers. */
    private boolean renewing() {
        return meter.purse() != null && meter.purse().asking();
    }

    /** Whether, with no turn running, one more full turn could be paid for (while one runs, it is let be). */
    boolean canTakeATurn() {
        return outstanding.count() > 0 || renewing() || affords();
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
        String hidden = purse == null ? null : LiveHiddenInput.find(event.type(), event.event()).orElse(null);
        if (hidden != null) {
            return new Outcome.Refused(new ClientEventFilter.Refuse("usage_not_measurable", "This session has a "
                    + "money limit, and this message brings the provider input or work the broker cannot see (a "
                    + "resumed session, a hosted tool, a file by URI), so its cost cannot be held to it.", hidden,
                    null));
        }
        Map<?, ?> body = (Map<?, ?>) event.event().values().iterator().next();
        boolean audio = event.type().equals("realtimeInput") && body.size() == 1 && body.containsKey("audio");
        long tokens = audio ? message.length * 3L / 4 / MoneyPurse.AUDIO_BYTES_PER_TOKEN + 1 : message.length;
        carried += tokens;
        if (purse != null) {
            purse.added(tokens, audio);
        }
        if (event.type().equals(LiveProtocol.SETUP)) {
            return new Outcome.Send(message);
        }
        if (!held.isEmpty() || renewing() && !affords()) {
            // What is left is known when the store answers (resume): this and what follows wait, in order.
            if (held.size() >= MAX_HELD) {
                return limitReached();
            }
            held.add(new Held(event, message));
            return new Outcome.Dropped();
        }
        return decide(event, message);
    }

    /** A message whose cost is known: sent (a turn it asks for reserved), not sent on, or the session's end. */
    private Outcome decide(ClientEventFilter.Forward event, byte[] message) {
        Map<?, ?> body = (Map<?, ?>) event.event().values().iterator().next();
        boolean media = event.type().equals("realtimeInput") && !body.containsKey("text");
        if (!media && !asksForATurn(event.type(), body)) {
            return new Outcome.Send(message);
        }
        if (!affords()) {
            return media && outstanding.count() > 0 ? new Outcome.Dropped() : limitReached();
        }
        if (!media) {
            // Held until the provider starts it (or the session ends, when it counts as all it held).
            outstanding.requested(ids + ++asked, share(), false);
        }
        return new Outcome.Send(message);
    }

    /**
     * The store answered: the messages that waited for it are decided in order, sent as events of the broker's own;
     * the first that cannot be paid for ends the session.
     */
    void resume(SessionEnding ending) {
        while (!held.isEmpty() && !renewing()) {
            Held next = held.poll();
            switch (decide(next.event(), next.message())) {
                case Outcome.Send send -> ending.toProvider(send.frame());
                case Outcome.Refused refused -> {
                    held.clear();
                    ending.limitReached(refused.refusal().message());
                }
                case Outcome.Dropped dropped -> { }
            }
        }
    }

    private static Outcome limitReached() {
        return new Outcome.Refused(new ClientEventFilter.Refuse("usage_limit_reached", "What is left of the budget "
                + "could not pay for this input and one more turn.", null, null));
    }

    /** Whether a message of {@code type} asks the provider for a turn of its own. */
    private boolean asksForATurn(String type, Map<?, ?> body) {
        return switch (type) {
            case "clientContent" -> Boolean.TRUE.equals(body.get("turnComplete"))
                    || Boolean.TRUE.equals(body.get("turn_complete"));
            case "realtimeInput" -> true;
            // A tool's result goes on with the turn that called it, if that one still runs.
            case "toolResponse" -> outstanding.count() == 0;
            default -> false;
        };
    }
}

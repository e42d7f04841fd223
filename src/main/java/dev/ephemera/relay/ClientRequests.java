package dev.ephemera.relay;

import dev.ephemera.json.StrictJson;
import dev.ephemera.relay.event.ClientEventFilter;
import dev.ephemera.relay.event.HiddenInput;
import dev.ephemera.relay.event.OutputBudget;
import dev.ephemera.secret.Secrets;
import dev.ephemera.token.UsageLimits;
import java.util.Map;

/**
 * The client's requests of a metered realtime session on their way to the provider (SPEC §7, §11): each
 * {@code response.create} is capped at what its session's meter has left (tokens and money), counted as outstanding
 * under its {@code event_id} (one of the broker's own where it came without), or refused while the outstanding ones
 * would use it all; a {@code session.update} has its output limit lowered to what is left; what the client adds
 * to the conversation is added to the input the next response will carry. One per {@link SessionMeter}, on its
 * event loop.
 */
final class ClientRequests {

    private final SessionMeter meter;
    private final UsageLimits limits;
    private final OutstandingResponses outstanding;
    private final SessionEnding ending;
    /** The last output limit sent for the responses the provider starts itself (at first, its own maximum). */
    private long sessionLimit = OutputBudget.PROVIDER_MAXIMUM;
    /** This session's prefix of the {@code event_id}s it gives requests that came without one: not guessable. */
    private final String ownEventIds = "broker_" + Secrets.randomBase62(16) + "_";
    private long ownEvents;

    ClientRequests(SessionMeter meter, UsageLimits limits, OutstandingResponses outstanding, SessionEnding ending) {
        this.meter = meter;
        this.ending = ending;
        this.limits = limits;
        this.outstanding = outstanding;
    }

    /** A response's money promise is kept or given back: it is done, or the provider refused it. */
    void release(OutstandingResponses.Share share) {
        MoneyPurse purse = meter.purse();
        if (purse != null) {
            purse.release(share.promise());
        }
    }

    /** What a response capped at {@code cap} output tokens holds: the tokens under a token limit, the money. */
    OutstandingResponses.Share share(long cap) {
        MoneyPurse purse = meter.purse();
        return new OutstandingResponses.Share(limits.maxTotalTokens() == null ? 0 : cap,
                purse == null ? 0 : purse.promise(cap));
    }

    /**
     * A client event on its way to the provider ({@code message}, which the filter read as {@code event}): a
     * {@code response.create} is counted as outstanding and capped at what would be left if every outstanding
     * response used its cap, or refused when nothing would be; a {@code session.update} has the session's limit
     * lowered to what is left. Without limits, the message goes as it came.
     */
    Outcome toProvider(ClientEventFilter.Forward event, byte[] message) {
        MoneyPurse purse = meter.purse();
        if (purse != null) {
            String hidden = event.type().equals("transcription_session.update") ? "type"
                    : HiddenInput.find(event.event()).orElse(null);
            if (hidden != null) {
                return new Outcome.Refused(new ClientEventFilter.Refuse("usage_not_measurable", "This session has a "
                        + "money limit, and this event brings the provider input or work the broker cannot see "
                        + "(a referenced item, a hosted tool, transcription), so its cost cannot be held to it.",
                        hidden, event.eventId()));
            }
            purse.added(ClientAdditions.tokens(event.type(), message.length),
                    event.type().equals("input_audio_buffer.append"));
            OutputBudget.askedLimit(event.event(), event.type()).ifPresent(purse::asked);
        }
        Long left = meter.budgetLeft();
        Long maxResponses = limits.maxResponses();
        if (left == null && maxResponses == null) {
            return new Outcome.Send(message);
        }
        boolean clash = event.eventId() != null && outstanding.clash(event.eventId());
        if (event.type().equals("session.update")) {
            if (left == null || left > OutputBudget.PROVIDER_MAXIMUM) {
                return new Outcome.Send(message);
            }
            Map<String, Object> capped = OutputBudget.capped(event.event(), event.type(), left);
            return new Outcome.Send(capped == event.event() ? message : StrictJson.write(capped));
        }
        if (!event.type().equals("response.create")) {
            return new Outcome.Send(message);
        }
        if (maxResponses != null && meter.tokenTotal().responses() + outstanding.count() >= maxResponses) {
            return refused(event, "The token's limit of " + maxResponses + " responses would be reached by the "
                    + outstanding.count() + " outstanding; ask again when they are done.");
        }
        if (left != null && left <= 0) {
            if (purse != null && purse.isShort() && outstanding.count() == 0) {
                // Nothing outstanding will give money back: the session asks its ledgers for more, and ends if none.
                meter.topUp();
            }
            return refused(event, purse != null && purse.isShort() ? "The money this session may spend would be "
                    + "used up if the " + outstanding.count() + " outstanding responses used their caps; ask again "
                    + "when they are done." : "The token's limit of " + limits.maxTotalTokens() + " tokens would be "
                    + "reached if the " + outstanding.count() + " outstanding responses used their caps; ask again "
                    + "when they are done.");
        }
        long cap = left == null ? 0 : Math.min(left, OutputBudget.PROVIDER_MAXIMUM);
        Map<String, Object> out = left == null ? event.event()
                : OutputBudget.capped(event.event(), event.type(), cap);
        String eventId = event.eventId();
        if (eventId == null) {
            // Named, unpredictably, so that the provider's refusal of this request gives its reservation back.
            eventId = ownEventIds + ++ownEvents;
            out = OutputBudget.with(out, "event_id", eventId);
        }
        outstanding.requested(eventId, share(left == null ? 0 : reservation(out, cap)), !clash);
        if (purse != null) {
            // A response the provider may start on voice activity is held to what this one leaves.
            lowerSessionLimit();
        }
        return new Outcome.Send(StrictJson.write(out));
    }

    /**
     * What a response the provider starts itself may use: the session's limit, lowered to the budget left; under a
     * money limit, at least the limit last sent (what the provider holds to).
     */
    long ownCap() {
        Long left = meter.budgetLeft();
        long own = left == null ? 0 : Math.max(0, Math.min(OutputBudget.PROVIDER_MAXIMUM, left));
        return meter.purse() == null ? own : Math.max(own, sessionLimit);
    }

    /** After each response the session's limit (for responses the provider starts) is lowered to the budget left. */
    void lowerSessionLimit() {
        Long left = meter.budgetLeft();
        if (left != null && !meter.over() && meter.turns() == null && left <= OutputBudget.PROVIDER_MAXIMUM) {
            ending.lowerLimit(left);
            sessionLimit = Math.max(0, left);
        }
    }

    /** What a capped request reserves: its own limit where that is a whole number below the cap, else the cap. */
    private static long reservation(Map<String, Object> request, long cap) {
        return OutputBudget.responseLimit(request).stream()
                .filter(n -> n >= 1 && n <= cap).findFirst().orElse(cap);
    }

    private static Outcome.Refused refused(ClientEventFilter.Forward event, String message) {
        return new Outcome.Refused(
                new ClientEventFilter.Refuse("usage_limit_pending", message, null, event.eventId()));
    }

}

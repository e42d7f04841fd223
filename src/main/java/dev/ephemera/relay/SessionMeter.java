package dev.ephemera.relay;

import dev.ephemera.logging.RepeatedLog;
import dev.ephemera.relay.event.ClientEventFilter;
import dev.ephemera.relay.event.OutputBudget;
import dev.ephemera.relay.event.ProviderEvents;
import dev.ephemera.json.StrictJson;
import dev.ephemera.secret.Secrets;
import dev.ephemera.session.LiveSessions;
import dev.ephemera.session.Usage;
import dev.ephemera.token.UsageLimits;
import io.micronaut.core.annotation.Nullable;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import java.util.Map;
import java.util.concurrent.Executor;
import org.slf4j.LoggerFactory;

/**
 * A relayed realtime session's usage and limits (SPEC §11), beside its {@code RelaySession} and on its event loop:
 * reads the provider's usage events as they pass, adds them to the live session, its token and its key, caps every
 * response the client asks for at what is left of the token's budget once the responses still outstanding have used
 * their caps ({@link OutstandingResponses}), refuses one that would exceed a limit while others are outstanding, and
 * ends the session when a limit is reached or a replica asks it to end. Every decision is made on the event the
 * strict parser read, the one that is forwarded.
 */
public final class SessionMeter {

    private static final RepeatedLog REPEATED = new RepeatedLog(LoggerFactory.getLogger(SessionMeter.class));

    private final UsageLimits limits;
    private final ProviderEvents events;
    private final Executor loop;
    private final SessionEnding ending;
    private LiveSessions.Session live;
    /** The token's usage as the store last reported it: all its sessions and requests. */
    private Usage confirmed = Usage.NONE;
    /** What this session reported since that the store has not yet confirmed: counted at once. */
    private Usage pending = Usage.NONE;
    /** What the provider reported before the session was on the live list, to be added once it is. */
    private Usage unsent = Usage.NONE;
    /** Why the session ended, once it has. */
    private String endedWith;
    private boolean limitHit;
    private boolean durationIsLimit;
    /** Whether the provider reports the session's seconds ({@link #seconds}), not the broker's clock. */
    private boolean providerSeconds;
    private final OutstandingResponses outstanding = new OutstandingResponses();
    /** This session's prefix of the {@code event_id}s it gives requests that came without one: not guessable. */
    private final String ownEventIds = "broker_" + Secrets.randomBase62(16) + "_";
    private long ownEvents;

    public SessionMeter(UsageLimits limits, int frameLimit, Executor loop, SessionEnding ending) {
        this(limits, new ProviderEvents(frameLimit), loop, ending);
    }

    /** A meter reading the provider's events with {@code events} (a sideband's reader sees more of them). */
    public SessionMeter(UsageLimits limits, ProviderEvents events, Executor loop, SessionEnding ending) {
        this.limits = limits;
        this.events = events;
        this.loop = loop;
        this.ending = ending;
    }

    /** The session is on the live list, or not ({@code session} null); one that ended meanwhile leaves it at once. */
    public void registered(@Nullable LiveSessions.Session session) {
        loop.execute(() -> {
            if (session == null) {
                ending.unregistered();
                return;
            }
            live = session;
            if (providerSeconds) {
                session.secondsFromProvider();
            }
            if (!unsent.isNone()) {
                send(unsent);
                unsent = Usage.NONE;
            }
            if (endedWith != null) {
                session.close(endedWith);
            }
        });
    }

    /** A replica asked the session to end. */
    public void requested(String reason) {
        loop.execute(() -> ending.requested(reason));
    }

    /** {@code seconds} more, as the provider reported them; from the first report on, the seconds are its. */
    public void seconds(long seconds) {
        providerSeconds = true;
        if (live != null) {
            live.secondsFromProvider();
        }
        if (seconds > 0) {
            count(Usage.ofSeconds(seconds));
        }
    }

    /** Reaching the session's longest duration is reaching a limit of its token's ({@code max_session_seconds}). */
    public void durationIsLimit(boolean limit) {
        this.durationIsLimit = limit;
    }

    public boolean durationIsLimit() {
        return durationIsLimit;
    }

    /** What the token's other sessions and requests had used when this one was opened: the meter starts there. */
    public void usedBefore(Usage usage) {
        confirmed = usage;
    }

    /** What is left of the token's budget of tokens once the outstanding responses used their caps; null: none. */
    @Nullable
    public Long budgetLeft() {
        Long budget = limits.maxTotalTokens();
        return budget == null ? null : budget - tokenTotal().totalTokens() - outstanding.reserved();
    }

    /**
     * A client event on its way to the provider ({@code message}, which the filter read as {@code event}): a
     * {@code response.create} is counted as outstanding and capped at what would be left if every outstanding
     * response used its cap, or refused when nothing would be; a {@code session.update} has the session's limit
     * lowered to what is left. Without limits, the message goes as it came.
     */
    public Outcome toProvider(ClientEventFilter.Forward event, byte[] message) {
        Long budget = limits.maxTotalTokens();
        Long maxResponses = limits.maxResponses();
        if (budget == null && maxResponses == null) {
            return new Outcome.Send(message);
        }
        long left = budget == null ? Long.MAX_VALUE
                : budget - tokenTotal().totalTokens() - outstanding.reserved();
        boolean clash = event.eventId() != null && outstanding.clash(event.eventId());
        if (event.type().equals("session.update")) {
            if (budget == null || left > OutputBudget.PROVIDER_MAXIMUM) {
                return new Outcome.Send(message);
            }
            Map<String, Object> capped = OutputBudget.capped(event.event(), event.type(), left);
            return new Outcome.Send(capped == event.event() ? message : StrictJson.write(capped));
        }
        if (!event.type().equals("response.create")) {
            return new Outcome.Send(message);
        }
        if (maxResponses != null && tokenTotal().responses() + outstanding.count() >= maxResponses) {
            return refused(event, "The token's limit of " + maxResponses + " responses would be reached by the "
                    + outstanding.count() + " outstanding; ask again when they are done.");
        }
        if (left <= 0) {
            return refused(event, "The token's limit of " + budget + " tokens would be reached if the "
                    + outstanding.count() + " outstanding responses used their caps; ask again when they are done.");
        }
        long cap = Math.min(left, OutputBudget.PROVIDER_MAXIMUM);
        Map<String, Object> out = budget == null ? event.event()
                : OutputBudget.capped(event.event(), event.type(), cap);
        String eventId = event.eventId();
        if (eventId == null) {
            // Named, unpredictably, so that the provider's refusal of this request gives its reservation back.
            eventId = ownEventIds + ++ownEvents;
            out = OutputBudget.with(out, "event_id", eventId);
        }
        outstanding.requested(eventId, budget == null ? 0 : reservation(out, cap), !clash);
        return new Outcome.Send(StrictJson.write(out));
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

    /** What a provider frame on its way to the client says of a response, or null; the frame is only read. */
    @Nullable
    public ProviderEvents.ServerEvent read(WebSocketFrame frame) {
        return events.read(frame);
    }

    /** Notes what {@link #read} found (null: nothing) once its frame went on: a response's start, refusal or end. */
    public void count(@Nullable ProviderEvents.ServerEvent event) {
        switch (event) {
            case null -> { }
            case ProviderEvents.Created created -> outstanding.created(created.responseId(), ownCap());
            case ProviderEvents.Refused refusedEvent -> outstanding.refused(refusedEvent.eventId());
            case ProviderEvents.Done done -> {
                long cap = outstanding.done(done.responseId() == null ? "" : done.responseId());
                count(readable(done.usage(), cap));
            }
            case ProviderEvents.SessionState state -> { }
            case ProviderEvents.ItemAdded item -> { }
            case ProviderEvents.SecondsUsed seconds -> { }
        }
    }

    /**
     * A done response's usage; under limits, one that reports none the broker can read (absent, not numbers, all
     * zero) counts as a response at its cap, as an HTTP answer does: the budget errs towards refusing.
     */
    @Nullable
    private Usage readable(@Nullable Usage usage, long cap) {
        boolean limited = limits.maxTotalTokens() != null || limits.maxResponses() != null;
        return limited && (usage == null || usage.totalTokens() == 0) ? Usage.ofResponse(0, cap, cap, 0, 0, 0)
                : usage;
    }

    /** What a response the provider starts itself may use: the session's limit, lowered to the budget left. */
    private long ownCap() {
        Long budget = limits.maxTotalTokens();
        return budget == null ? 0 : Math.max(0, Math.min(OutputBudget.PROVIDER_MAXIMUM,
                budget - tokenTotal().totalTokens() - outstanding.reserved()));
    }

    /** Counts a done response's usage (null: none) once its frame went on, so the client has what reached a limit. */
    private void count(@Nullable Usage usage) {
        if (usage == null) {
            return;
        }
        // Counted before the store answers: the client may ask for the next response as soon as it has this one.
        pending = pending.plus(usage);
        checkLimits();
        lowerSessionLimit();
        if (live == null) {
            unsent = unsent.plus(usage);
        } else {
            send(usage);
        }
    }

    private void send(Usage usage) {
        live.add(usage).whenCompleteAsync((total, failed) -> {
            pending = pending.minus(usage);
            if (failed != null) {
                REPEATED.warn("Usage of a realtime session could not be recorded: {}",
                        failed.getClass().getSimpleName());
                confirmed = confirmed.plus(usage);
                return;
            }
            if (total.totalTokens() >= confirmed.totalTokens()) {
                confirmed = total;
            }
            checkLimits();
        }, loop);
    }

    /** After each response the session's limit (for responses the provider starts) is lowered to the budget left. */
    private void lowerSessionLimit() {
        Long budget = limits.maxTotalTokens();
        if (budget == null || limitHit || endedWith != null) {
            return;
        }
        long left = budget - tokenTotal().totalTokens() - outstanding.reserved();
        if (left <= OutputBudget.PROVIDER_MAXIMUM) {
            ending.lowerLimit(left);
        }
    }

    /** The token's usage as far as this session knows it. */
    private Usage tokenTotal() {
        return confirmed.plus(pending);
    }

    private void checkLimits() {
        if (limitHit || endedWith != null) {
            return;
        }
        Usage tokenTotal = tokenTotal();
        if (limits.maxTotalTokens() != null && tokenTotal.totalTokens() >= limits.maxTotalTokens()) {
            limitHit = true;
            ending.limitReached("The token's limit of " + limits.maxTotalTokens() + " tokens is reached.");
        } else if (limits.maxResponses() != null && tokenTotal.responses() >= limits.maxResponses()) {
            limitHit = true;
            ending.limitReached("The token's limit of " + limits.maxResponses() + " responses is reached.");
        }
    }

    /** The session ended: it leaves the live list. */
    public void ended(String reason) {
        endedWith = reason;
        if (live != null) {
            live.close(reason);
        }
    }
}

package dev.ephemera.relay;

import dev.ephemera.logging.RepeatedLog;
import dev.ephemera.relay.event.ClientEventFilter;
import dev.ephemera.relay.event.OutputBudget;
import dev.ephemera.relay.event.ProviderEvents;
import dev.ephemera.relay.event.RealtimeProtocol;
import dev.ephemera.pricing.Price;
import dev.ephemera.session.LiveSessions;
import dev.ephemera.session.MoneyTurn;
import dev.ephemera.session.Usage;
import dev.ephemera.token.UsageLimits;
import io.micronaut.core.annotation.Nullable;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import java.time.LocalDate;
import java.util.concurrent.Executor;
import java.util.function.Consumer;
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
    private final RealtimeProtocol.ServerEventReader events;
    /** Turns the provider starts on its own under one limit set at the start (Live), or null (OpenAI). */
    @Nullable
    private final LiveTurns turns;
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
    /** The model's prices (null: unpriced, costs 0) and, under a money limit, the money the session holds. */
    @Nullable
    private Price price;
    @Nullable
    private MoneyPurse purse;
    private Consumer<MoneyTurn> giveBack = turn -> { };
    /** The last output limit sent for the responses the provider starts itself (at first, its own maximum). */
    private long sessionLimit = OutputBudget.PROVIDER_MAXIMUM;
    private final ClientRequests requests;

    public SessionMeter(UsageLimits limits, int frameLimit, Executor loop, SessionEnding ending) {
        this(limits, RealtimeProtocol.OPENAI, frameLimit, loop, ending);
    }

    /** A meter of a session that speaks {@code protocol}. */
    public SessionMeter(UsageLimits limits, RealtimeProtocol protocol, int frameLimit, Executor loop,
            SessionEnding ending) {
        this(limits, protocol.reader(frameLimit), protocol.capsEachResponse(), loop, ending);
    }

    /** A meter reading the provider's events with {@code events} (a sideband's reader sees more of them). */
    public SessionMeter(UsageLimits limits, RealtimeProtocol.ServerEventReader events, Executor loop,
            SessionEnding ending) {
        this(limits, events, true, loop, ending);
    }

    private SessionMeter(UsageLimits limits, RealtimeProtocol.ServerEventReader events, boolean capsEachResponse,
            Executor loop, SessionEnding ending) {
        this.limits = limits;
        this.requests = new ClientRequests(this, limits, outstanding);
        this.turns = capsEachResponse ? null : new LiveTurns(this);
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
            session.priced(price);
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
            Usage used = Usage.ofSeconds(seconds);
            count(price == null ? used : used.costing(price.cost(used)));
        }
    }

    /** Reaching the session's longest duration is reaching a limit of its token's ({@code max_session_seconds}). */
    public void durationIsLimit(boolean limit) {
        this.durationIsLimit = limit;
    }

    public boolean durationIsLimit() {
        return durationIsLimit;
    }

    /**
     * The session's model is priced {@code price} (null: not priced; its usage costs 0) and, under a money limit,
     * holds the money of {@code purse} (reserved at admission), which {@code giveBack} returns to the ledgers when
     * the session ends; set before the session starts.
     */
    public void priced(@Nullable Price price, @Nullable MoneyPurse purse, Consumer<MoneyTurn> giveBack) {
        this.price = price;
        this.purse = purse;
        this.giveBack = giveBack;
    }

    /** What the token's other sessions and requests had used when this one was opened: the meter starts there. */
    public void usedBefore(Usage usage) {
        confirmed = usage;
    }

    /** What is left of the token's budget of tokens once the outstanding responses used their caps; null: none. */
    @Nullable
    public Long budgetLeft() {
        Long budget = limits.maxTotalTokens();
        Long tokens = budget == null ? null : budget - tokenTotal().totalTokens() - outstanding.reserved();
        if (purse == null) {
            return tokens;
        }
        return tokens == null ? purse.cap() : Math.min(tokens, purse.cap());
    }

    /** A client event on its way to the provider, capped, counted or refused ({@link ClientRequests}). */
    public Outcome toProvider(ClientEventFilter.Forward event, byte[] message) {
        return turns == null ? requests.toProvider(event, message) : turns.toProvider(event, message);
    }

    /**
     * Every response of this session is held to {@code cap} output tokens, set when it started (a protocol without
     * a limit per response: {@link RealtimeProtocol#capsEachResponse}); the session ends when, with no turn
     * running, what is left could not pay for one more.
     */
    public void fixedCap(long cap) {
        sessionLimit = cap;
        if (purse != null) {
            purse.asked(cap);
        }
    }

    @Nullable
    MoneyPurse purse() {
        return purse;
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
            case ProviderEvents.Created created -> outstanding.created(created.responseId(), () -> // the limit in force
                    requests.share(turns != null ? sessionLimit : Math.max(ownCap(), purse == null ? 0 : sessionLimit)));
            case ProviderEvents.Turned turned -> {
                count(turned.done());
                count(turned.created());
            }
            case ProviderEvents.Refused refusedEvent -> requests.release(outstanding.refused(refusedEvent.eventId()));
            case ProviderEvents.Done done -> {
                OutstandingResponses.Share share = outstanding.done(done.responseId() == null ? ""
                        : done.responseId());
                requests.release(share);
                count(ResponseUsage.readable(done.usage(), share, limits, price));
            }
            case ProviderEvents.SessionState state -> { }
            case ProviderEvents.ItemAdded item -> { }
            case ProviderEvents.SecondsUsed seconds -> { }
        }
    }

    /** What a response the provider starts itself may use: the session's limit, lowered to the budget left. */
    private long ownCap() {
        Long left = budgetLeft();
        return left == null ? 0 : Math.max(0, Math.min(OutputBudget.PROVIDER_MAXIMUM, left));
    }

    /** Counts a done response's usage (null: none) once its frame went on, so the client has what reached a limit. */
    private void count(@Nullable Usage usage) {
        if (usage == null) {
            return;
        }
        if (purse != null) {
            long audio = usage.audioInputTokens() + usage.audioOutputTokens();
            purse.spent(usage.costMicros(), usage.inputTokens() + usage.outputTokens() - audio, audio);
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

    /** The session asks its ledgers for more money now (nothing to count with it); it ends if none is left. */
    void topUp() {
        if (purse != null && !purse.asking() && live != null && endedWith == null) {
            send(Usage.NONE);
        }
    }

    private void send(Usage usage) {
        MoneyTurn turn = purse == null ? null : purse.turn();
        LocalDate day = live.today();
        live.add(usage, turn).whenCompleteAsync((added, failed) -> {
            pending = pending.minus(usage);
            if (failed != null) {
                REPEATED.warn("Usage of a realtime session could not be recorded: {}",
                        failed.getClass().getSimpleName());
                confirmed = confirmed.plus(usage);
                if (turn != null) {
                    // Nothing is known of the grant: the session holds nothing more, and stops at what it has.
                    purse.granted(0, day);
                    giveBack();
                }
                checkLimits();
                return;
            }
            if (added.tokenTotal().totalTokens() >= confirmed.totalTokens()) {
                confirmed = added.tokenTotal();
            }
            if (turn != null) {
                purse.granted(added.granted(), day);
                lowerSessionLimit();
                giveBack();
            }
            checkLimits();
        }, loop);
    }

    /** After each response the session's limit (for responses the provider starts) is lowered to the budget left. */
    void lowerSessionLimit() {
        Long left = budgetLeft();
        if (left == null || limitHit || endedWith != null || turns != null) {
            return;
        }
        if (left <= OutputBudget.PROVIDER_MAXIMUM) {
            ending.lowerLimit(left);
            sessionLimit = Math.max(0, left);
        }
    }

    /** The token's usage as far as this session knows it. */
    Usage tokenTotal() {
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
        } else if (purse != null && !purse.asking() && purse.isShort() && outstanding.count() == 0) {
            limitHit = true;
            ending.limitReached("The money this session may spend is used up (the token's, its key's or its "
                    + "subject's budget).");
        } else if (turns != null && !(purse != null && purse.asking()) && outstanding.count() == 0
                && budgetLeft() != null && budgetLeft() < sessionLimit) {
            limitHit = true;
            ending.limitReached("What is left of the token's, its key's or its subject's budget cannot pay for one "
                    + "more turn of " + sessionLimit + " output tokens.");
        }
    }

    /** The session ended: it leaves the live list. */
    public void ended(String reason) {
        boolean first = endedWith == null;
        endedWith = reason;
        // Responses the provider never said were done (the session ended under them) count as all they held.
        if (first && limits.measured()) {
            outstanding.drain().forEach(share -> count(ResponseUsage.held(share, price)));
        }
        if (live != null) {
            live.close(reason);
        }
        giveBack();
    }

    /** The money the session still holds goes back to its ledgers (after the turn on its way, if one is). */
    private void giveBack() {
        MoneyTurn closing = purse == null || endedWith == null ? null : purse.closing();
        if (closing != null) {
            giveBack.accept(closing);
        }
    }
}

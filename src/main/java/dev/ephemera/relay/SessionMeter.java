package dev.ephemera.relay;

import dev.ephemera.logging.RepeatedLog;
import dev.ephemera.relay.event.ClientEventFilter;
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
    private SessionSpan span = SessionSpan.NONE;
    @Nullable
    private MoneyPurse purse;
    private Consumer<MoneyTurn> giveBack = turn -> { };
    private final ClientRequests requests;

    /** A meter of a session that speaks {@code protocol}. */
    public SessionMeter(UsageLimits limits, RealtimeProtocol protocol, int frameLimit, Executor loop,
            SessionEnding ending) {
        this(limits, protocol.reader(frameLimit), protocol.capsEachResponse(), loop, ending);
    }

    /** A meter reading the provider's events with {@code events} (a sideband's reader sees more of them). */
    public SessionMeter(UsageLimits limits, RealtimeProtocol.ServerEventReader events, boolean capsEachResponse,
            Executor loop, SessionEnding ending) {
        this.limits = limits;
        this.requests = new ClientRequests(this, limits, outstanding, ending);
        this.turns = capsEachResponse ? null : new LiveTurns(this, limits, outstanding, requests);
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

    public boolean durationIsLimit() {
        return durationIsLimit;
    }

    /**
     * How the session starts, set first: whether reaching its longest duration is reaching a limit of its token's
     * ({@code max_session_seconds}); what the token's other sessions and requests had used ({@code usedBefore}: the
     * meter starts there); the model's price ({@code null}: its usage costs 0) and, under a money limit, the money
     * of {@code purse} (reserved at admission), which {@code giveBack} returns to the ledgers when the session ends;
     * and the session's {@code span}, which each response's usage is told to and which ends with it.
     */
    public void opened(boolean durationIsLimit, Usage usedBefore, @Nullable Price price, @Nullable MoneyPurse purse,
            Consumer<MoneyTurn> giveBack, SessionSpan span) {
        this.durationIsLimit = durationIsLimit;
        this.confirmed = usedBefore;
        this.price = price;
        this.purse = purse;
        this.giveBack = giveBack;
        this.span = span;
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

    /** The turns of a session without a limit per response ({@link RealtimeProtocol#capsEachResponse}), or null. */
    @Nullable
    public LiveTurns turns() {
        return turns;
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
                    turns != null ? turns.share() : requests.share(requests.ownCap()));
            case ProviderEvents.Turned turned -> {
                count(turned.done());
                count(turned.created());
            }
            case ProviderEvents.Refused refusedEvent -> requests.release(outstanding.refused(refusedEvent.eventId()));
            case ProviderEvents.Done done -> {
                OutstandingResponses.Share share = outstanding.done(done.responseId() == null ? ""
                        : done.responseId());
                requests.release(share);
                if (turns != null) {
                    turns.done(done.usage(), share.cap());
                }
                count(ResponseUsage.readable(done.usage(), share, limits, price));
            }
            case ProviderEvents.SessionState state -> { }
            case ProviderEvents.ItemAdded item -> { }
            case ProviderEvents.SecondsUsed seconds -> { }
        }
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
        span.response(usage);
        checkLimits();
        requests.lowerSessionLimit();
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
                try (var ignored = span.current()) {
                    REPEATED.warn("Usage of a realtime session could not be recorded: {}",
                            failed.getClass().getSimpleName());
                }
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
                requests.lowerSessionLimit();
                giveBack();
            }
            checkLimits();
        }, loop);
    }

    /** Whether the session reached a limit or ended: nothing more is lowered or asked. */
    boolean over() {
        return limitHit || endedWith != null;
    }

    /** The token's usage as far as this session knows it. */
    Usage tokenTotal() {
        return confirmed.plus(pending);
    }

    /** Ends the session at a limit; else the Live messages that waited for what is left are decided. */
    private void checkLimits() {
        String reached = limitHit || endedWith != null ? null
                : LimitReached.why(limits, tokenTotal(), purse, outstanding.count(), turns);
        if (reached != null) {
            limitHit = true;
            ending.limitReached(reached);
        } else if (turns != null && !over()) {
            turns.resume(ending);
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
        span.ended(reason);
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

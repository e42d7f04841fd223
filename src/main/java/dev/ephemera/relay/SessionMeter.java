package dev.ephemera.relay;

import dev.ephemera.logging.RepeatedLog;
import dev.ephemera.relay.event.OutputBudget;
import dev.ephemera.relay.event.ProviderEvents;
import dev.ephemera.session.LiveSessions;
import dev.ephemera.session.Usage;
import dev.ephemera.token.UsageLimits;
import io.micronaut.core.annotation.Nullable;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import java.util.concurrent.Executor;
import org.slf4j.LoggerFactory;

/**
 * A relayed realtime session's usage and limits (SPEC §11), beside its {@link RelaySession} and on its event loop:
 * reads the provider's usage events as they pass, adds them to the live session, its token and its key, caps every
 * response the client asks for at what is left of the token's budget, and ends the session when a limit is reached
 * or a replica asks it to end.
 */
final class SessionMeter {

    private static final RepeatedLog REPEATED = new RepeatedLog(LoggerFactory.getLogger(SessionMeter.class));

    /** How the session ends, for the reasons this meter finds. */
    interface Ending {
        /** A limit was reached: the client is told with an error event, and the session ends (1008). */
        void limitReached(String message);

        /** A replica asked the session to end ({@code reason}: the token was revoked, …). */
        void requested(String reason);

        /** The session could not be put on the live list. */
        void unregistered();

        /** An event of the broker's own for the provider (the session's output limit, lowered). */
        void toProvider(byte[] event);
    }

    private final UsageLimits limits;
    private final ProviderEvents events;
    private final Executor loop;
    private final Ending ending;
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

    SessionMeter(UsageLimits limits, int frameLimit, Executor loop, Ending ending) {
        this.limits = limits;
        this.events = new ProviderEvents(frameLimit);
        this.loop = loop;
        this.ending = ending;
    }

    /**
     * The session is on the live list, or could not be put there ({@code session} null); a session that ended
     * meanwhile leaves the list at once.
     */
    void registered(@Nullable LiveSessions.Session session) {
        loop.execute(() -> {
            if (session == null) {
                ending.unregistered();
                return;
            }
            live = session;
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
    void requested(String reason) {
        loop.execute(() -> ending.requested(reason));
    }

    /** Reaching the session's longest duration is reaching a limit of its token's ({@code max_session_seconds}). */
    void durationIsLimit(boolean limit) {
        this.durationIsLimit = limit;
    }

    boolean durationIsLimit() {
        return durationIsLimit;
    }

    /** A client message on its way to the provider, its output limit capped at the budget left. */
    byte[] toProvider(byte[] message) {
        Long budget = limits.maxTotalTokens();
        return budget == null ? message : OutputBudget.capped(message, budget - tokenTotal().totalTokens());
    }

    /** The usage a provider frame on its way to the client reports, or null; the frame is only read. */
    @Nullable
    Usage read(WebSocketFrame frame) {
        return events.usage(frame);
    }

    /**
     * Counts usage that {@link #read} found (none: nothing to count), once its frame went on to the client (so that
     * the client has the response whose usage reaches a limit before it is told).
     */
    void count(@Nullable Usage usage) {
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

    /**
     * Responses the provider starts itself (on voice activity) are capped by the session's limit: after each
     * response it is lowered to the budget left, once that is within what the provider takes.
     */
    private void lowerSessionLimit() {
        Long budget = limits.maxTotalTokens();
        if (budget == null || limitHit || endedWith != null) {
            return;
        }
        long left = budget - tokenTotal().totalTokens();
        if (left <= OutputBudget.PROVIDER_MAXIMUM) {
            ending.toProvider(OutputBudget.sessionLimit(left));
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
    void ended(String reason) {
        endedWith = reason;
        if (live != null) {
            live.close(reason);
        }
    }
}

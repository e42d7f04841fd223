package dev.ephemera.session;

import dev.ephemera.audit.AuditLog;
import dev.ephemera.audit.BrokerEvent;
import dev.ephemera.logging.RepeatedLog;
import dev.ephemera.metrics.BrokerMetrics;
import dev.ephemera.metrics.OperationsMetrics;
import dev.ephemera.pricing.Price;
import dev.ephemera.token.RedeemedToken;
import dev.ephemera.token.TokenStore;
import dev.ephemera.token.UsageLimits;
import io.micronaut.context.annotation.Context;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.scheduling.annotation.Scheduled;
import jakarta.annotation.PostConstruct;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This replica's live relay sessions, and the kill switch that reaches them from any replica (SPEC §11). A session
 * is registered in the {@link SessionStore} when it opens and leaves it when it ends; usage is added as the
 * provider reports it. The replica renews its sessions with one heartbeat (every {@link #RENEWAL_PERIOD}), not one
 * renewal per session: the store keeps them while the replica beats, and another replica cleans up after one that
 * stopped. A request to end a session reaches the replica that holds it at once through the store's channel; a
 * replica that missed the message finds the request at its next heartbeat or its session's next usage, whichever
 * comes first. A request carries the time it was made, so the kill switch is timed from it to the session's end
 * ({@code ephemera_kill_switch_seconds}), whichever replica asked.
 */
@Context
public final class LiveSessions {

    /** How often this replica beats (renews its sessions) and looks for requests to end them it did not hear. */
    public static final Duration RENEWAL_PERIOD = Duration.ofSeconds(2);
    /** How long a replica is alive without a heartbeat: the sessions of one that died are removed after this. */
    static final Duration LEASE = Duration.ofSeconds(15);

    private static final Logger LOG = LoggerFactory.getLogger(LiveSessions.class);
    private static final RepeatedLog REPEATED = new RepeatedLog(LOG);

    /** How the holder of a session ends it; called on any thread, at most once per request, must not block. */
    @FunctionalInterface
    public interface Ending {
        void end(String reason);
    }

    private final SessionStore store;
    private final TokenStore tokens;
    private final Clock clock;
    private final Map<String, Session> here = new ConcurrentHashMap<>();
    private final BrokerMetrics metrics;
    private final OperationsMetrics operations;
    private final AuditLog audit;
    private final Spending spending;

    LiveSessions(SessionStore store, TokenStore tokens, Clock clock, BrokerMetrics metrics, Spending spending,
            AuditLog audit, OperationsMetrics operations) {
        this.operations = operations;
        this.audit = audit;
        this.metrics = metrics;
        this.spending = spending;
        this.store = store;
        this.tokens = tokens;
        this.clock = clock;
    }

    @PostConstruct
    void listen() {
        store.onEndRequested((sessionId, request) -> {
            Session session = here.get(sessionId);
            if (session != null) {
                session.askedToEnd(request);
            }
        });
    }

    /**
     * Registers the session {@code sessionId}, opened with {@code token}, held on this replica until
     * {@link Session#close}; {@code ending} ends it when a replica asks. The token is kept as long as the session
     * lasts ({@code longest} at most), so that revoking it still finds it ({@link TokenHold}). Fails when the store
     * does.
     */
    public CompletionStage<Session> open(RedeemedToken token, String sessionId, Duration longest, Ending ending) {
        Instant now = clock.instant();
        TokenFacts facts = TokenFacts.of(token);
        LiveSession live = new LiveSession(sessionId, token.id(), token.keyId(), token.provider(), token.model(),
                token.subject(), token.origin(), now.getEpochSecond(), Usage.NONE);
        Duration kept = longest.plusSeconds(60);
        TokenHold hold = new TokenHold(tokens, token.id(), token.keyId(), token.expiresAt(), now.plus(kept));
        Session session = new Session(live, facts, token.limits(), now, ending, hold);
        here.put(sessionId, session);
        // A token about to expire is retained now, beside the registration; any other at the heartbeat before.
        hold.renew(now);
        return store.open(live, facts, kept)
                .handle((revoked, failed) -> {
                    if (failed == null) {
                        audit.record(new BrokerEvent.SessionOpened(token.keyId(), sessionId, token.id(),
                                token.keyId(), token.provider(), token.model()));
                        // Revoked between this session's redemption and its registration: nothing found it then.
                        revoked.ifPresent(reason -> session.askedToEnd(new EndRequest(reason, null)));
                    } else {
                        LOG.warn("Session {} could not be put on the live list ({}); it ends", sessionId,
                                failed.getClass().getSimpleName());
                        here.remove(sessionId);
                        throw failed instanceof java.util.concurrent.CompletionException c ? c
                                : new java.util.concurrent.CompletionException(failed);
                    }
                    return session;
                });
    }

    /** Asks the live session {@code sessionId} to end, on whichever replica holds it; false when none does. */
    public CompletionStage<Boolean> end(String sessionId, String reason) {
        return store.requestEnd(sessionId, reason);
    }

    /** How many sessions this replica holds. */
    public int count() {
        return here.size();
    }

    /**
     * This replica's heartbeat, with or without sessions (so that its sessions are never left without one): they are
     * renewed, and those that a replica asked to end end.
     */
    @Scheduled(fixedDelay = "2s", initialDelay = "0s")
    void renew() {
        Instant now = clock.instant();
        here.values().forEach(s -> s.hold.renew(now));
        store.renew(here.keySet(), LEASE).whenComplete((asked, failed) -> {
            if (failed != null) {
                LOG.debug("Could not renew {} live sessions: {}", here.size(), failed.getClass().getSimpleName());
                return;
            }
            asked.forEach((id, request) -> {
                Session session = here.get(id);
                if (session != null) {
                    session.askedToEnd(request);
                }
            });
        });
    }

    /** Today, in UTC: the day usage is counted on and money reserved. */
    public LocalDate today() {
        return spending.today();
    }

    /** One session held here: its usage so far, and its end. */
    public final class Session {

        private final TokenFacts token;
        private final UsageLimits limits;
        private final Instant opened;
        private final Ending ending;
        private final AtomicReference<LiveSession> live;
        /** The request to end it this replica heard first: the kill switch is timed from it to the session's end. */
        private final AtomicReference<EndRequest> endAsked = new AtomicReference<>();
        private final AtomicBoolean closed = new AtomicBoolean();
        private final TokenHold hold;
        /** Whether the provider reports the session's seconds (GPT-Live): then the clock adds none at its end. */
        private volatile boolean providerSeconds;
        /** The model's prices, for the seconds the clock adds at the end (models billed by the minute). */
        private volatile Price price;

        private Session(LiveSession live, TokenFacts token, UsageLimits limits, Instant opened, Ending ending,
                TokenHold hold) {
            this.hold = hold;
            this.limits = limits;
            this.live = new AtomicReference<>(live);
            this.token = token;
            this.opened = opened;
            this.ending = ending;
        }

        public String id() {
            return live.get().id();
        }

        /** The session's usage so far, as this replica counted it. */
        public Usage usage() {
            return live.get().usage();
        }

        /**
         * Adds one report of the provider's usage; answers the token's total so far (all its sessions and
         * requests). A request to end the session found here ends it.
         */
        public CompletionStage<Usage> add(Usage usage) {
            return add(usage, null).thenApply(SessionStore.Added::tokenTotal);
        }

        /**
         * {@link #add}, with the session's money {@code turn} (null: the usage's cost is only counted) in the same
         * step; answers what the store answered (the token's total, the money reserved).
         */
        public CompletionStage<SessionStore.Added> add(Usage usage, @Nullable MoneyTurn turn) {
            LiveSession now = live.updateAndGet(l -> l.withUsage(l.usage().plus(usage)));
            spending.counted(now.provider(), now.model(), usage);
            return store.add(id(), token, usage, today(), turn != null ? turn : MoneyTurn.count(limits, null))
                    .thenApply(added -> {
                        if (added.endRequested() != null) {
                            askedToEnd(added.endRequested());
                        }
                        return added;
                    });
        }

        /** The session's model is priced {@code price} (null: not priced): its seconds are, at its end. */
        public void priced(@Nullable Price price) {
            this.price = price;
        }

        /** Today, in UTC, as the session's usage is counted. */
        public LocalDate today() {
            return LiveSessions.this.today();
        }

        /**
         * The provider reports this session's seconds, added with {@link #add} as it reports them; its end adds no
         * seconds of the broker's clock.
         */
        public void secondsFromProvider() {
            providerSeconds = true;
        }

        private Usage priced(Usage usage) {
            Price known = price;
            return known == null ? usage : usage.costing(known.cost(usage));
        }

        void askedToEnd(EndRequest request) {
            if (!closed.get() && endAsked.compareAndSet(null, request)) {
                ending.end(request.reason());
            }
        }

        /**
         * The session ended ({@code reason}, e.g. {@code client_closed}): its seconds are added, it leaves the live
         * list, and its receipt entry is closed. Idempotent.
         */
        public CompletionStage<Void> close(String reason) {
            if (!closed.compareAndSet(false, true)) {
                return CompletableFuture.completedFuture(null);
            }
            here.remove(id());
            metrics.sessionEnded(reason);
            Instant now = clock.instant();
            EndRequest asked = endAsked.get();
            if (asked != null && asked.requestedAt() != null) {
                operations.killSwitch(Duration.between(asked.requestedAt(), now));
            }
            long seconds = providerSeconds ? 0 : Math.max(0, Duration.between(opened, now).toSeconds());
            Usage clocked = priced(Usage.ofSeconds(seconds));
            LiveSession last = live.updateAndGet(l -> l.withUsage(l.usage().plus(clocked)));
            audit.record(new BrokerEvent.SessionClosed(last.keyId(), last.id(), last.tokenId(), last.keyId(),
                    last.provider(), reason, last.usage()));
            // Seconds are added only when there are some: nothing is written that holds no news.
            CompletionStage<?> added = seconds == 0 ? CompletableFuture.completedFuture(null)
                    : store.add(null, token, clocked, today(), MoneyTurn.count(limits, null));
            return added.thenCompose(done -> store.close(last, reason, now.getEpochSecond()))
                    .thenCompose(done -> hold.release(() -> store.receipt(last.tokenId(), now.getEpochSecond())
                            .thenApply(receipt -> receipt.stream().flatMap(r -> r.sessions().stream())
                                    .anyMatch(s -> "live".equals(s.state())))))
                    .whenComplete((done, failed) -> {
                        if (failed != null) {
                            LOG.warn("Session {} ended ({}) but the store could not record it: {}", id(), reason,
                                    failed.getClass().getSimpleName());
                        }
                    });
        }
    }
}

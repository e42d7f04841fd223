package dev.ephemera.relay.webrtc;

import dev.ephemera.error.BrokerException;
import dev.ephemera.error.ErrorCode;
import dev.ephemera.logging.RepeatedLog;
import dev.ephemera.metrics.BrokerMetrics;
import dev.ephemera.metrics.OperationsMetrics;
import dev.ephemera.provider.Provider;
import dev.ephemera.provider.ProviderRegistry;
import dev.ephemera.ratelimit.SessionPlaces;
import dev.ephemera.relay.Drain;
import dev.ephemera.relay.LongestSession;
import dev.ephemera.relay.MoneyPurse;
import dev.ephemera.relay.RelayConfiguration;
import dev.ephemera.relay.SessionAdmission;
import dev.ephemera.relay.SessionMeter;
import dev.ephemera.relay.SessionSpan;
import dev.ephemera.relay.UpstreamConnector;
import dev.ephemera.relay.UpstreamFailure;
import dev.ephemera.relay.event.CallLocks;
import dev.ephemera.relay.event.RealtimeProtocol;
import dev.ephemera.session.CallStore;
import dev.ephemera.session.LiveSessions;
import dev.ephemera.session.Spending;
import dev.ephemera.token.RedeemedToken;
import dev.ephemera.trace.Tracing;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.scheduling.TaskScheduler;
import io.micronaut.scheduling.annotation.Scheduled;
import io.netty.channel.EventLoop;
import jakarta.inject.Named;
import jakarta.inject.Singleton;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Puts a browser's call under the broker's control (SPEC §11): the call becomes a live session like a relayed
 * WebSocket (on the live list of every replica, with a place among its key's sessions held while it lasts,
 * receipts, webhooks, audit lines, the kill switch) and is watched through its provider's sideband
 * ({@link WatchedCall}). Nothing here blocks a thread.
 */
@Singleton
final class CallWatcher {

    /**
     * A call being watched: {@code attached} completes once the sideband is attached, and fails with
     * {@code upstream_error} when it could not be (the call is then hung up and its places given back);
     * {@code listed} once the call is on the live list, so that its id may be handed out (a failure to list it ends
     * it).
     */
    record Watching(CompletionStage<Void> attached, CompletionStage<Void> listed) {

        /** Both: what a controlled call's answer waits for. */
        CompletionStage<Void> both() {
            return attached.thenCombine(listed, (a, b) -> null);
        }
    }

    /** How many orphaned calls one sweep takes. */
    private static final int SWEEP = 100;
    private static final Logger LOG = LoggerFactory.getLogger(CallWatcher.class);
    private static final RepeatedLog REPEATED = new RepeatedLog(LOG);

    private final UpstreamConnector connector;
    private final CallHangup hangup;
    private final CallStore calls;
    private final ProviderRegistry providers;
    private final Clock clock;
    private final RelayConfiguration config;
    private final CallSessionConfigs sessions;
    private final TaskScheduler scheduler;
    private final SessionPlaces places;
    private final BrokerMetrics metrics;
    private final OperationsMetrics operations;
    private final Drain drain;
    private final LiveSessions live;
    private final Spending spending;
    private final Tracing tracing;

    CallWatcher(UpstreamConnector connector, CallHangup hangup, RelayConfiguration config, CallSessionConfigs sessions,
            @Named("scheduled") TaskScheduler scheduler, SessionPlaces places, BrokerMetrics metrics, Drain drain,
            LiveSessions live, CallStore calls, ProviderRegistry providers, Clock clock, Spending spending,
            OperationsMetrics operations, Tracing tracing) {
        this.operations = operations;
        this.tracing = tracing;
        this.spending = spending;
        this.calls = calls;
        this.providers = providers;
        this.clock = clock;
        this.connector = connector;
        this.hangup = hangup;
        this.config = config;
        this.sessions = sessions;
        this.scheduler = scheduler;
        this.places = places;
        this.metrics = metrics;
        this.drain = drain;
        this.live = live;
    }

    /**
     * Watches {@code call}, which {@code admitted}'s browser started, on {@code loop}; {@code outputLimit} is the
     * limit on a response's output the call was started with (null: none). The call is a live session from now on.
     */
    Watching watch(SessionAdmission.Admitted admitted, ProviderCall call, EventLoop loop,
            @Nullable Long outputLimit) {
        RedeemedToken token = admitted.token();
        Map<String, Object> session = sessions.tokenSession(token);
        CallLocks locks = new CallLocks(RealtimeProtocol.OPENAI, session, token.lockedFields());
        if (outputLimit != null) {
            locks.outputLimit(outputLimit);
        }
        WatchedCall watched = new WatchedCall(call, loop, new WatchedCall.Watch(token,
                CallSessionConfigs.restore(session), hangup, admitted.upstreamHeaders(), config,
                UpstreamFailure.counter(operations, token.provider())), locks);
        LongestSession longest = LongestSession.of(token, config);
        SessionMeter meter = watched.meter();
        MoneyPurse purse = admitted.purse();
        meter.opened(longest.isTokenLimit(), admitted.usedBefore(), admitted.price(), purse,
                turn -> spending.turn(purse.owner(), turn),
                SessionSpan.start(tracing, token, admitted.sessionId(), "webrtc"));
        metrics.relaySessionOpened();
        Duration lease = config.sessionLease();
        String described = call.describe(token.provider());
        Duration kept = longest.duration().plusMinutes(1);
        AtomicBoolean ended = new AtomicBoolean();
        // Held once, as long as the call may last (no renewal per call): a replica that dies has its calls marked
        // orphaned by the replica that cleans up after it (LiveSessions' heartbeat); a failed hold is tried again.
        Runnable[] hold = new Runnable[1];
        hold[0] = () -> calls.hold(admitted.sessionId(), described, clock.instant().plus(kept), kept)
                .whenComplete((held, failed) -> {
                    if (failed != null && !ended.get()) {
                        REPEATED.warn("A watched call's lease was not held: {}", failed.getClass().getSimpleName());
                        scheduler.schedule(lease.dividedBy(3), hold[0]);
                    }
                });
        hold[0].run();
        // The key's place is held as long as the call may last, once (LiveSessions gives a dead replica's back).
        places.hold(token.keyId(), admitted.sessionId(), kept);
        drain.opened(watched);
        CompletionStage<Void> attached = watched.watch(connector, longest.duration(), reason -> {
            drain.ended(watched);
            ended.set(true);
            calls.drop(admitted.sessionId());
            admitted.release().run();
            metrics.relaySessionEnded();
        });
        CompletableFuture<Void> listed = new CompletableFuture<>();
        live.open(token, admitted.sessionId(), longest.duration(), meter::requested)
                .whenComplete((registered, failed) -> {
                    meter.registered(registered);
                    if (registered == null) {
                        listed.completeExceptionally(new BrokerException(ErrorCode.STORE_UNAVAILABLE, "The call "
                                + "could not be put on the live list, so it was hung up; retry later."));
                    } else {
                        listed.complete(null);
                    }
                });
        return new Watching(attached.handle((ok, failed) -> {
            if (failed != null) {
                throw new CompletionException(new BrokerException(ErrorCode.UPSTREAM_ERROR, "The provider's call "
                        + "could not be watched, so it was hung up; retry later."));
            }
            return null;
        }), listed);
    }

    /**
     * Hangs up the calls whose replica died without draining (its heartbeat lapsed): each is taken by one replica
     * only ({@link CallStore#orphaned}). A call whose provider is no longer known or has no key is left to it.
     */
    @Scheduled(fixedDelay = "5s", initialDelay = "5s")
    void sweep() {
        calls.orphaned(clock.instant(), SWEEP).whenComplete((orphans, failed) -> {
            if (failed != null) {
                LOG.debug("No sweep of orphaned calls: {}",
                        failed.getClass().getSimpleName());
                return;
            }
            for (String orphan : orphans) {
                String[] parts = orphan.split(" ", 3);
                try {
                    ProviderCall.Kind kind = ProviderCall.Kind.valueOf(parts[1]);
                    Provider provider = providers.require(parts[0]);
                    ProviderCall.of(provider, kind, parts[2]).ifPresent(call -> {
                        LOG.info("Hanging up a {} call whose replica stopped "
                                + "watching it", kind);
                        hangup.hangup(call, providers.upstreamHeaders(parts[0]), (action, pause) ->
                                scheduler.schedule(pause, action));
                    });
                } catch (RuntimeException e) {
                    REPEATED.warn("An orphaned call could not be hung up: {}", e.getClass().getSimpleName());
                }
            }
        });
    }
}

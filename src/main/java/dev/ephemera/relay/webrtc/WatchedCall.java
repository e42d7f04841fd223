package dev.ephemera.relay.webrtc;

import dev.ephemera.relay.Drain;
import dev.ephemera.relay.RelayConfiguration;
import dev.ephemera.relay.SessionEnding;
import dev.ephemera.relay.SessionMeter;
import dev.ephemera.relay.UpstreamConnector;
import dev.ephemera.relay.UpstreamSocket;
import dev.ephemera.relay.event.CallLocks;
import dev.ephemera.relay.event.OutputBudget;
import dev.ephemera.relay.event.ProviderEvents;
import dev.ephemera.token.RedeemedToken;
import io.micronaut.core.annotation.Nullable;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.ContinuationWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * One browser's call (WebRTC or GPT-Live) as the broker watches it: media and the data channel go between the browser
 * and the provider, and the broker holds the provider's sideband WebSocket for the call, on one event loop of the
 * server's (never a thread of its own). Through it the call's usage is counted and its limits kept
 * ({@link SessionMeter}), the session the provider reports is checked against the token's locks ({@link CallLocks}:
 * a change is undone at once and the call hung up), and the broker's own ends (the kill switch, a limit, the longest
 * duration, draining) hang the call up ({@link CallHangup}). The end of the sideband is the end of the call: a call
 * the broker cannot watch is hung up. Everything here runs on the call's loop, without locks.
 */
final class WatchedCall implements UpstreamSocket.Events, SessionEnding, Drain.Held {

    /** How long the provider is given to take our close frame before the sideband's connection is closed. */
    private static final Duration CLOSE_GRACE = Duration.ofSeconds(5);

    private final ProviderCall call;
    private final EventLoop loop;
    private final Watch watch;
    private final int frameLimit;
    private final SessionMeter meter;
    private final CallLocks locks;
    private final byte[] restore;
    private final UpstreamSocket socket;
    /** Completes when the sideband is attached, or fails when it cannot be. */
    private final CompletableFuture<Void> attached = new CompletableFuture<>();
    private Channel sideband;
    private long providerMessage;
    private long secondsReported;
    private boolean ended;
    private ScheduledFuture<?> timer;
    private Consumer<String> onEnd = reason -> { };

    /**
     * What a watched call needs of the broker: its token, the event that restores its session config (null: none),
     * how to hang it up, and where its sideband's failures are counted.
     */
    record Watch(RedeemedToken token, @Nullable byte[] restore, CallHangup hangup,
            java.util.Map<String, String> upstreamHeaders, RelayConfiguration config,
            UpstreamSocket.Failures failures) {
    }

    WatchedCall(ProviderCall call, EventLoop loop, Watch watch, CallLocks locks) {
        this.call = call;
        this.loop = loop;
        this.watch = watch;
        this.socket = new UpstreamSocket(this, watch.failures());
        this.frameLimit = watch.config().frameLimit();
        this.locks = locks;
        // GPT-Live's startup settings (instructions, voice) cannot change; its page cannot send session.update.
        this.restore = call.kind() == ProviderCall.Kind.REALTIME ? watch.restore() : null;
        this.meter = new SessionMeter(watch.token().limits(), ProviderEvents.withSessionEvents(frameLimit), true,
                loop, this);
    }

    SessionMeter meter() {
        return meter;
    }

    /**
     * Attaches the sideband ({@code headers}: the provider's key) and starts the clock of the call's longest
     * duration; {@code onEnd} runs once when the call ends, however it ends. The stage completes when the sideband is
     * attached, and fails when it is not within the upstream timeout: the call is then hung up.
     */
    CompletableFuture<Void> watch(UpstreamConnector connector, Duration limit, Consumer<String> onEnd) {
        onLoop(() -> {
            this.onEnd = onEnd;
            Duration timeout = watch.config().upstreamTimeout();
            timer = loop.schedule(this::expire, limit.toMillis(), TimeUnit.MILLISECONDS);
            loop.schedule(() -> {
                if (!attached.isDone()) {
                    end("error");
                }
            }, timeout.toMillis(), TimeUnit.MILLISECONDS);
            connector.connect(loop, call.sideband(), watch.upstreamHeaders(), timeout, frameLimit, socket);
        });
        return attached;
    }

    @Override
    public void opened(Channel upstream) {
        sideband = upstream;
        if (ended) {
            closeSideband();
            return;
        }
        attached.complete(null);
    }

    /** A sideband message: what it says of responses, the session and its seconds; the frame is released here. */
    @Override
    public void frame(WebSocketFrame frame) {
        int size = frame.content().readableBytes();
        providerMessage = frame instanceof ContinuationWebSocketFrame ? providerMessage + size : size;
        if (providerMessage > frameLimit) {
            frame.release();
            end("error");
            return;
        }
        ProviderEvents.ServerEvent event;
        try {
            event = meter.read(frame);
        } finally {
            frame.release();
        }
        switch (event) {
            case ProviderEvents.SessionState state -> locked(locks.changed(state.session(), state.initial()));
            case ProviderEvents.ItemAdded item -> locked(locks.item(item.role()));
            case ProviderEvents.SecondsUsed used -> seconds(used.seconds());
            case ProviderEvents.Created created -> {
                meter.count(event);
                locked(locks.response(created.instructions()));
            }
            case null -> { }
            default -> meter.count(event);
        }
    }

    /** A lock the client broke ({@code changed}: which), or none. */
    private void locked(Optional<String> changed) {
        if (changed.isPresent() && !ended) {
            // Undone first, so that nothing more runs with the client's value while the hang-up travels.
            if (restore != null) {
                toProvider(restore);
            }
            end("locked_field");
        }
    }

    /** GPT-Live reports the session's seconds as a total: the whole seconds not yet counted are counted. */
    private void seconds(double total) {
        if (!Double.isFinite(total) || total > Integer.MAX_VALUE) {
            return;
        }
        long whole = (long) total;
        long more = whole - secondsReported;
        secondsReported = Math.max(secondsReported, whole);
        meter.seconds(Math.max(0, more));
        Long limit = watch.token().limits().maxSessionSeconds();
        if (limit != null && whole >= limit) {
            limitReached("The token's limit on a session's seconds is reached.");
        }
    }

    @Override
    public void readComplete() {
    }

    /**
     * The provider closed the sideband: the call ended there (the browser or the provider hung up), or the sideband
     * alone ended. The broker cannot tell them apart, and a call it cannot watch must not go on: it is hung up all
     * the same (a call that already ended is one the provider no longer knows).
     */
    @Override
    public void closed(int code, String reason) {
        if (!attached.isDone()) {
            attached.completeExceptionally(new IllegalStateException("the sideband closed at once"));
        }
        end("call_ended");
    }

    /** The sideband could not be attached, or was lost: a call the broker cannot watch is hung up. */
    @Override
    public void failed(int code, String reason) {
        if (!attached.isDone()) {
            attached.completeExceptionally(new IllegalStateException("the sideband failed: " + reason));
        }
        end("error");
    }

    @Override
    public void limitReached(String message) {
        end("usage_limit_reached");
    }

    @Override
    public void requested(String reason) {
        end(reason);
    }

    @Override
    public void unregistered() {
        end("error");
    }

    @Override
    public void toProvider(byte[] event) {
        if (!ended && sideband != null && sideband.isActive()) {
            sideband.writeAndFlush(new TextWebSocketFrame(Unpooled.wrappedBuffer(event)));
        }
    }

    @Override
    public void lowerLimit(long left) {
        locks.outputLimit(Math.max(1, left));
        toProvider(OutputBudget.callLimit(left));
    }

    @Override
    public void goingAway() {
        onLoop(() -> end("draining"));
    }

    private void expire() {
        if (meter.durationIsLimit()) {
            limitReached("The token's limit on a session's seconds is reached.");
        } else {
            end("max_duration");
        }
    }

    /**
     * The broker ends the call: the sideband closes and the session leaves the live list at once (its receipt says
     * why), and the provider is asked to hang the call up. The call keeps its places and its lease until the
     * provider took the hang-up (or the broker gave up asking): a call that goes on still counts among its key's
     * sessions, and should this replica die meanwhile, another one hangs it up.
     */
    void end(String reason) {
        onLoop(() -> {
            if (ended) {
                return;
            }
            ended = true;
            // Asked first: nothing after it (a store that is stopping, say) may keep the call from being hung up.
            CompletionStage<Boolean> hungUp = watch.hangup().hangup(call, watch.upstreamHeaders(),
                    (action, pause) -> loop.schedule(action, pause.toMillis(), TimeUnit.MILLISECONDS));
            socket.end();
            if (!attached.isDone()) {
                attached.completeExceptionally(new IllegalStateException("the call ended: " + reason));
            }
            if (timer != null) {
                timer.cancel(false);
            }
            closeSideband();
            try {
                meter.ended(reason);
            } finally {
                hungUp.whenComplete((done, failed) -> onLoop(() -> onEnd.accept(reason)));
            }
        });
    }

    private void closeSideband() {
        if (sideband != null && sideband.isActive()) {
            Channel provider = sideband;
            provider.writeAndFlush(new CloseWebSocketFrame(1000, ""));
            loop.schedule(() -> provider.close(), CLOSE_GRACE.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    private void onLoop(Runnable action) {
        if (loop.inEventLoop()) {
            action.run();
        } else {
            loop.execute(action);
        }
    }
}

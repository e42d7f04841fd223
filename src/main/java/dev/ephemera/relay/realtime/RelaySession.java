package dev.ephemera.relay.realtime;

import dev.ephemera.relay.Drain;
import dev.ephemera.relay.Outcome;
import dev.ephemera.relay.RelayConfiguration;
import dev.ephemera.relay.SessionEnding;
import dev.ephemera.relay.SessionMeter;
import dev.ephemera.relay.UpstreamConnector;
import dev.ephemera.relay.UpstreamSocket;
import dev.ephemera.relay.event.ClientEventFilter;
import dev.ephemera.relay.event.ProviderEvents;
import dev.ephemera.token.RedeemedToken;
import io.micronaut.websocket.CloseReason;
import io.micronaut.websocket.WebSocketSession;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.ContinuationWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * One relayed realtime session: the client's WebSocket (Micronaut's server) and the provider's (Netty's client, on
 * the same event loop, see {@link UpstreamConnector}). Everything here runs on that loop, so a session needs no
 * locks: client messages are judged whole and written to the provider in the order they came; the provider's frames
 * pass to the client as they come, fragments and all, without being copied. What waits towards either side is
 * bounded by a {@link Backlog} that stops reading the other side.
 */
final class RelaySession implements UpstreamSocket.Events, ClientMessages.Sink, ClientFrames.Sink, SessionEnding,
        Drain.Held {

    /** How long either side is given to take our close frame before its connection is closed. */
    private static final Duration CLOSE_GRACE = Duration.ofSeconds(5);
    /** How long before its maximum duration a session is told it will end, where the protocol can say so. */
    private static final Duration NOTICE = Duration.ofSeconds(10);

    private final WebSocketSession client;
    private final Channel clientChannel;
    private final Dialect events;
    private final RelayConfiguration config;
    private final ClientMessages messages;
    /** What the client caused to wait: its messages towards the provider and the error events it is answered. */
    private final Backlog fromClient;
    private final UpstreamSocket providerSocket;
    private final ProviderWrites toProvider;
    /** What the provider caused to wait towards the client; from the handshake on. */
    private Backlog fromProvider;
    private long providerMessage;
    private boolean closed;
    private ScheduledFuture<?> timer;
    private Consumer<String> onEnd = reason -> { };
    /** Why the session ended, for its receipt: set by whichever end comes first. */
    private String endReason;
    /** Usage and limits: what the provider reports, what the client may ask for, when it must end. */
    private final SessionMeter meter;

    RelaySession(WebSocketSession client, Channel clientChannel, RedeemedToken token, Dialect dialect,
            RelayConfiguration config, UpstreamSocket.Failures failures) {
        this.client = client;
        this.clientChannel = clientChannel;
        this.config = config;
        this.events = dialect;
        this.messages = new ClientMessages(config.frameLimit(), this);
        this.providerSocket = new UpstreamSocket(this, failures);
        this.fromClient = new Backlog(clientChannel, config.bufferLimit(), config.upstreamTimeout(),
                providerSocket::stalled);
        this.toProvider = new ProviderWrites(fromClient);
        this.meter = new SessionMeter(token.limits(), dialect.protocol(), config.frameLimit(),
                clientChannel.eventLoop(), this);
    }

    /** This session's usage and limits, for the live list. */
    SessionMeter meter() {
        return meter;
    }

    /**
     * Opens the provider's WebSocket (the token's session config is its first message) and starts the clock of the
     * session's longest duration; {@code onEnd} runs once when the session ends, however it ends.
     */
    void start(UpstreamConnector connector, URI uri, Map<String, String> headers, Duration limit,
            Consumer<String> onEnd) {
        onLoop(() -> {
            this.onEnd = onEnd;
            boolean notice = limit.compareTo(NOTICE.multipliedBy(2)) > 0 && events.goingAway(NOTICE) != null;
            timer = clientChannel.eventLoop().schedule(notice ? this::expiring : this::expire,
                    (notice ? limit.minus(NOTICE) : limit).toMillis(), TimeUnit.MILLISECONDS);
            // Micronaut reports a connection's end to @OnClose; should it ever not, the session still ends here.
            clientChannel.closeFuture().addListener(f -> clientClosed(new CloseReason(1006, "")));
            connector.connect(clientChannel, uri, headers, config.upstreamTimeout(), config.frameLimit(),
                    providerSocket);
        });
    }

    /** One client frame as it came; whole messages go on to be judged. The caller releases {@code frame}. */
    @Override
    public void fromClientFrame(WebSocketFrame frame) {
        messages.acceptOn(clientChannel.eventLoop(), frame);
    }

    /** What the client's frames so far brought is flushed to the provider: one write for a read's messages. */
    @Override
    public void clientReadComplete() {
        onLoop(toProvider::flush);
    }

    /** A whole client message, text or binary, judged and capped in the session's dialect, or refused. */
    @Override
    public void message(byte[] message, boolean binary) {
        if (closed) {
            return;
        }
        Outcome outcome = events.toProvider(message, meter);
        if (outcome instanceof Outcome.Refused(ClientEventFilter.Refuse refusal)) {
            byte[] error = events.error(refusal);
            tell(error);
            if (error == null) { // No error message in the protocol: the session ends, saying why.
                closeBoth(refusal.code().equals("invalid_event") ? 1007 : 1008, SessionEnds.refused(refusal),
                        refusal.code());
            }
            return;
        }
        if (!(outcome instanceof Outcome.Send(byte[] sent))) {
            return;
        }
        WebSocketFrame frame = binary ? new BinaryWebSocketFrame(Unpooled.wrappedBuffer(sent))
                : new TextWebSocketFrame(Unpooled.wrappedBuffer(sent));
        toProvider.message(frame);
    }

    @Override
    public void opened(Channel provider) {
        if (closed) {
            provider.close();
            return;
        }
        fromProvider = new Backlog(provider, config.bufferLimit(), config.upstreamTimeout(),
                () -> closeBoth(1011, "the client stopped reading", "error"));
        toProvider.opened(provider, events.opening(meter.budgetLeft()));
    }

    /** A provider frame, passed on as it came; a message (all its fragments) may be at most the frame limit. */
    @Override
    public void frame(WebSocketFrame frame) {
        int size = frame.content().readableBytes();
        providerMessage = frame instanceof ContinuationWebSocketFrame ? providerMessage + size : size;
        if (providerMessage > config.frameLimit()) {
            frame.release();
            closeBoth(1009, "provider message larger than " + config.frameLimit() + " bytes", "message_too_large");
            return;
        }
        ProviderEvents.ServerEvent event = meter.read(frame);
        fromProvider.track(size, clientChannel.write(frame));
        meter.count(event);
    }

    @Override
    public void readComplete() {
        clientChannel.flush();
    }

    @Override
    public void closed(int code, String reason) {
        if (!closed) {
            // The provider began the close: it is answered with its own code, and the client told the same.
            endReason = endReason == null ? "provider_closed" : endReason;
            end(code, reason, code == 1005 ? 1000 : SessionEnds.sendable(code));
        }
    }

    @Override
    public void failed(int code, String reason) {
        closeBoth(code, reason, code == 1009 ? "message_too_large" : "error");
    }

    /** The client went away: tell the provider, with the client's code. */
    void clientClosed(CloseReason reason) {
        onLoop(() -> {
            if (closed) {
                return;
            }
            // The client began the close: answer it with its own code (RFC 6455 §5.5.1), on the event loop, so the
            // frame leaves before Micronaut closes the connection after @OnClose without one (1006 to the client).
            int code = SessionEnds.answering(reason.getCode());
            String text = reason.getReason() == null ? "" : reason.getReason();
            endReason = endReason == null ? "client_closed" : endReason;
            clientChannel.writeAndFlush(new CloseWebSocketFrame(code, text));
            finish(code, text);
        });
    }

    /** The broker is shutting down: the client is told (1001) and should reconnect elsewhere. */
    @Override
    public void goingAway() {
        onLoop(() -> {
            tell(events.goingAway(Duration.ZERO));
            closeBoth(1001, "the broker is shutting down; reconnect", "draining");
        });
    }

    /** The session will reach its maximum duration in {@link #NOTICE}: the client is told, as Google's servers do. */
    private void expiring() {
        onLoop(() -> {
            tell(events.goingAway(NOTICE));
            timer = clientChannel.eventLoop().schedule(this::expire, NOTICE.toMillis(), TimeUnit.MILLISECONDS);
        });
    }

    /** The session reached its maximum duration. */
    void expire() {
        onLoop(() -> {
            if (meter.durationIsLimit()) {
                limitReached("The token's limit on a session's seconds is reached.");
            } else {
                closeBoth(1008, "maximum session duration reached", "max_duration");
            }
        });
    }

    @Override
    public void limitReached(String message) {
        if (!closed) {
            tell(events.limitReached(message));
            closeBoth(1008, SessionEnds.text("usage_limit_reached"), "usage_limit_reached");
        }
    }

    @Override
    public void requested(String reason) {
        closeBoth(1008, SessionEnds.text(reason), reason);
    }

    @Override
    public void toProvider(byte[] event) {
        if (!closed) {
            toProvider.event(event);
        }
    }

    @Override
    public void unregistered() {
        closeBoth(1011, "the broker's store is unavailable; reconnect", "error");
    }

    /** Sends the client a message of the broker's own, where the protocol has one ({@code message} not null). */
    private void tell(byte[] message) {
        if (message != null && !closed) {
            fromClient.track(message.length, clientChannel.writeAndFlush(
                    new TextWebSocketFrame(Unpooled.wrappedBuffer(message))));
        }
    }

    /** Ends the session, telling both sides {@code code}; {@code why} is the reason on its receipt (if none yet). */
    private void closeBoth(int code, String reason, String why) {
        if (!closed) {
            endReason = endReason == null ? why : endReason;
            end(SessionEnds.sendable(code), reason, 1000);
        }
    }

    /** Tells the client {@code code} and the provider {@code providerCode}; a client that does not take it is cut. */
    private void end(int code, String reason, int providerCode) {
        // Ended first: closing the client runs start()'s close listener at once, which must find it ended.
        closed = true;
        client.close(new CloseReason(code, reason));
        clientChannel.eventLoop().schedule(() -> clientChannel.close(), CLOSE_GRACE.toMillis(),
                TimeUnit.MILLISECONDS);
        finish(providerCode, "");
    }

    private void finish(int providerCode, String providerReason) {
        closed = true;
        providerSocket.end();
        if (timer != null) {
            timer.cancel(false);
        }
        fromClient.close();
        if (fromProvider != null) {
            fromProvider.close();
        }
        toProvider.end(providerCode, providerReason, CLOSE_GRACE);
        onEnd.accept(endReason == null ? "error" : endReason);
        meter.ended(endReason == null ? "error" : endReason);
    }

    private void onLoop(Runnable action) {
        if (clientChannel.eventLoop().inEventLoop()) {
            action.run();
        } else {
            clientChannel.eventLoop().execute(action);
        }
    }
}

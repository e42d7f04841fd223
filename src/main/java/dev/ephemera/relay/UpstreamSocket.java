package dev.ephemera.relay;

import dev.ephemera.logging.RepeatedLog;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import io.netty.handler.codec.http.websocketx.WebSocketClientHandshakeException;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolHandler.ClientHandshakeStateEvent;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.util.ReferenceCountUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The provider's end of one realtime session: the last handler of the provider connection's pipeline, turning what
 * happens there into the few events a session needs. Runs on the client connection's event loop (see
 * {@link UpstreamConnector}); every event is reported once, and nothing after the first ending.
 */
public final class UpstreamSocket extends ChannelInboundHandlerAdapter {

    private static final Logger LOG = LoggerFactory.getLogger(UpstreamSocket.class);
    private static final RepeatedLog REPEATED = new RepeatedLog(LOG);

    /** What a session hears from its provider. */
    public interface Events {
        /** The handshake is done: frames may be written to {@code upstream}. */
        void opened(Channel upstream);

        /** A text, binary or continuation frame, which the callee now owns (and releases). */
        void frame(WebSocketFrame frame);

        /** The provider's bytes read so far have all been passed on as frames. */
        void readComplete();

        /** The provider sent its close frame. */
        void closed(int code, String reason);

        /** The provider cannot be reached, refused the handshake, broke the protocol or went away. */
        void failed(int code, String reason);
    }

    /** Where a socket reports its provider's failures, once a connection at most: one provider's counter. */
    @FunctionalInterface
    public interface Failures {
        void failed(UpstreamFailure kind);
    }

    private final Events events;
    private final Failures failures;
    private boolean open;
    private boolean ended;

    /** A socket whose provider's failures (not its own ends, nor a message too large) go to {@code failures}. */
    public UpstreamSocket(Events events, Failures failures) {
        this.events = events;
        this.failures = failures;
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) throws Exception {
        if (event == ClientHandshakeStateEvent.HANDSHAKE_COMPLETE) {
            open = true;
            events.opened(ctx.channel());
        } else if (event == ClientHandshakeStateEvent.HANDSHAKE_TIMEOUT) {
            failed(1011, "upstream unavailable", UpstreamFailure.TIMEOUT);
            ctx.close();
        }
        super.userEventTriggered(ctx, event);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (ended) {
            ReferenceCountUtil.release(msg);
            if (msg instanceof CloseWebSocketFrame) {
                // The answer to our own close: the connection has done its work.
                ctx.close();
            }
        } else if (msg instanceof CloseWebSocketFrame close) {
            int code = close.statusCode();
            String reason = close.reasonText();
            close.release();
            ended = true;
            events.closed(code == -1 ? 1005 : code, reason == null ? "" : reason);
        } else if (msg instanceof WebSocketFrame frame) {
            events.frame(frame);
        } else {
            ReferenceCountUtil.release(msg);
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (!ended) {
            events.readComplete();
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof CorruptedWebSocketFrameException corrupt
                && corrupt.closeStatus() != null
                && corrupt.closeStatus().code() == WebSocketCloseStatus.MESSAGE_TOO_BIG.code()) {
            failed(1009, "provider message too large");
        } else {
            REPEATED.warn("Realtime upstream failed: {}", cause.getClass().getSimpleName());
            failed(1011, open ? "upstream failed" : "upstream unavailable", open ? UpstreamFailure.DROPPED
                    : cause instanceof WebSocketClientHandshakeException refused && refused.response() != null
                            ? UpstreamFailure.ofStatus(refused.response().status().code())
                            : UpstreamFailure.ofConnection(cause));
        }
        ctx.close();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        failed(1011, open ? "upstream failed" : "upstream unavailable",
                open ? UpstreamFailure.DROPPED : UpstreamFailure.UNREACHABLE);
        super.channelInactive(ctx);
    }

    /** The provider took nothing of what waits for it for the upstream timeout: it failed, as a timeout. */
    public void stalled() {
        failed(1011, "the provider stopped reading", UpstreamFailure.TIMEOUT);
    }

    /** Called by {@link UpstreamConnector} when no connection came about, for {@code cause}. */
    void unreachable(Throwable cause) {
        failed(1011, "upstream unavailable", UpstreamFailure.ofConnection(cause));
    }

    private void failed(int code, String reason, UpstreamFailure kind) {
        if (!ended) {
            failures.failed(kind);
            failed(code, reason);
        }
    }

    private void failed(int code, String reason) {
        if (!ended) {
            ended = true;
            events.failed(code, reason);
        }
    }

    /** The session ended on our side: whatever the provider still sends is dropped. */
    public void end() {
        ended = true;
    }
}

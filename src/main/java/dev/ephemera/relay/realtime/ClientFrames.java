package dev.ephemera.relay.realtime;

import io.micronaut.http.netty.websocket.AbstractNettyWebSocketHandler;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.ContinuationWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;

/**
 * The client's message frames of one realtime session, taken in the client connection's pipeline just before
 * Micronaut's WebSocket handler: a text, binary or continuation frame goes to the session as it comes (and is
 * released here), without Micronaut's per-frame binding and dispatch to {@code @OnMessage}; and the end of each
 * read tells the session, which writes what the read brought to the provider with one flush. Close, ping and pong
 * frames pass on to Micronaut, whose {@code @OnClose} and pong stay as they are. Runs on the connection's event
 * loop, as the session does.
 */
final class ClientFrames extends ChannelInboundHandlerAdapter {

    static final String NAME = "ephemera-realtime-frames";

    /** Where a session's client frames go. */
    interface Sink {
        /** A message frame, which the caller releases once this returns. */
        void fromClientFrame(WebSocketFrame frame);

        /** The frames of one read of the client's connection have all been passed on. */
        void clientReadComplete();
    }

    private final Sink sink;

    ClientFrames(Sink sink) {
        this.sink = sink;
    }

    /**
     * Puts a handler for {@code sink} before Micronaut's WebSocket handler in the pipeline of {@code http}, the
     * context that took the upgrade request (while {@code @OnOpen} runs, Micronaut has not yet put its WebSocket
     * handler there, in that context's place); whether it could. Only on the event loop: elsewhere the pipeline may
     * be changing under it, and the frames keep coming through {@code @OnMessage}.
     */
    static boolean install(ChannelHandlerContext http, Sink sink) {
        Channel channel = http.channel();
        if (!channel.eventLoop().inEventLoop() || !channel.isActive()) {
            return false;
        }
        ChannelPipeline pipeline = channel.pipeline();
        String before = pipeline.get(AbstractNettyWebSocketHandler.ID) != null ? AbstractNettyWebSocketHandler.ID
                : http.isRemoved() ? null : http.name();
        if (before == null || pipeline.get(NAME) != null) {
            return false;
        }
        pipeline.addBefore(before, NAME, new ClientFrames(sink));
        return true;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof TextWebSocketFrame || msg instanceof BinaryWebSocketFrame
                || msg instanceof ContinuationWebSocketFrame) {
            WebSocketFrame frame = (WebSocketFrame) msg;
            try {
                sink.fromClientFrame(frame);
            } finally {
                frame.release();
            }
        } else {
            ctx.fireChannelRead(msg);
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        sink.clientReadComplete();
        ctx.fireChannelReadComplete();
    }
}

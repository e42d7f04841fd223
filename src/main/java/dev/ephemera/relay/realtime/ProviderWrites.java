package dev.ephemera.relay.realtime;

import io.micronaut.core.annotation.Nullable;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;

/**
 * What one realtime session writes to its provider, in order, all of it counted in the client's {@link Backlog}:
 * client messages that came before the provider's handshake wait here and follow the session's config once it
 * completed; after that, messages are written as they are judged and flushed together once a read of the client's
 * connection has been passed on ({@link #flush}), so that the frames of one read leave in one {@code write(2)}.
 * On the session's event loop only.
 */
final class ProviderWrites {

    private final Backlog fromClient;
    /** Client messages that came before the provider's handshake completed. */
    private final ArrayDeque<WebSocketFrame> early = new ArrayDeque<>();
    private Channel upstream;
    /** Whether messages were written since the last flush. */
    private boolean unflushed;

    ProviderWrites(Backlog fromClient) {
        this.fromClient = fromClient;
    }

    /** A judged client message: written, to leave at the next {@link #flush}, or kept until the provider is open. */
    void message(WebSocketFrame frame) {
        long size = frame.content().readableBytes();
        if (upstream == null) {
            fromClient.queued(size);
            early.add(frame);
        } else {
            unflushed = true;
            fromClient.track(size, upstream.write(frame));
        }
    }

    /** Sends what was written since the last flush. */
    void flush() {
        if (unflushed) {
            unflushed = false;
            upstream.flush();
        }
    }

    /** An event of the broker's own, sent at once; nothing before the provider is open. */
    void event(byte[] event) {
        if (upstream != null) {
            fromClient.track(event.length, upstream.writeAndFlush(new TextWebSocketFrame(Unpooled.wrappedBuffer(
                    event))));
        }
    }

    /** The provider's handshake completed: {@code first} (if any) goes first, then the messages that waited. */
    void opened(Channel provider, @Nullable byte[] first) {
        upstream = provider;
        if (first != null) {
            provider.write(new TextWebSocketFrame(Unpooled.wrappedBuffer(first)));
        }
        for (WebSocketFrame frame; (frame = early.poll()) != null; ) {
            long size = frame.content().readableBytes();
            provider.write(frame).addListener(f -> fromClient.sent(size));
        }
        provider.flush();
    }

    /**
     * The session ended: what waits is dropped, and an open provider is told {@code code} (after what was written
     * before) and loses its connection after {@code grace} if it does not close it first.
     */
    void end(int code, String reason, Duration grace) {
        for (WebSocketFrame frame; (frame = early.poll()) != null; ) {
            frame.release();
        }
        if (upstream != null && upstream.isActive()) {
            Channel provider = upstream;
            provider.writeAndFlush(new CloseWebSocketFrame(code, reason));
            provider.eventLoop().schedule(() -> provider.close(), grace.toMillis(), TimeUnit.MILLISECONDS);
        }
    }
}

package dev.ephemera.relay.realtime;

import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.ContinuationWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import java.io.ByteArrayOutputStream;

/**
 * Joins a client's WebSocket frames into whole messages, up to a size limit. Micronaut hands a
 * {@code WebSocketFrame} parameter each fragment as it comes, so a fragmented message (the JDK client fragments large
 * ones) would otherwise be judged piece by piece. One per session; called on the connection's event loop only.
 */
final class ClientMessages {

    /** Where whole messages, and the reasons to end the session, go. */
    interface Sink {
        void message(byte[] bytes, boolean binary);

        void failed(int closeCode, String reason);
    }

    private final int limit;
    private final Sink sink;
    private ByteArrayOutputStream pending;
    private boolean binary;

    ClientMessages(int limit, Sink sink) {
        this.limit = limit;
        this.sink = sink;
    }

    /** {@link #accept} on {@code loop}, the session's; the caller releases {@code frame}. */
    void acceptOn(EventLoop loop, WebSocketFrame frame) {
        if (loop.inEventLoop()) {
            accept(frame);
            return;
        }
        frame.retain();
        loop.execute(() -> {
            try {
                accept(frame);
            } finally {
                frame.release();
            }
        });
    }

    void accept(WebSocketFrame frame) {
        boolean continuation = frame instanceof ContinuationWebSocketFrame;
        if (!continuation && !(frame instanceof TextWebSocketFrame) && !(frame instanceof BinaryWebSocketFrame)) {
            return;
        }
        if (frame.rsv() != 0) {
            // No extension is negotiated (RFC 6455 §5.2): a reserved bit set is a protocol error, never read past.
            pending = null;
            sink.failed(1002, "reserved bits set without an extension");
            return;
        }
        if (continuation != (pending != null)) {
            pending = null;
            sink.failed(1002, continuation ? "continuation without a message" : "new message inside a fragmented one");
            return;
        }
        if (frame.content().readableBytes() + (pending == null ? 0 : pending.size()) > limit) {
            pending = null;
            sink.failed(1009, "message larger than " + limit + " bytes");
            return;
        }
        if (!continuation) {
            binary = frame instanceof BinaryWebSocketFrame;
            if (frame.isFinalFragment()) {
                sink.message(bytes(frame), binary);
                return;
            }
            pending = new ByteArrayOutputStream();
        }
        pending.writeBytes(bytes(frame));
        if (frame.isFinalFragment()) {
            byte[] whole = pending.toByteArray();
            pending = null;
            sink.message(whole, binary);
        }
    }

    private static byte[] bytes(WebSocketFrame frame) {
        byte[] bytes = new byte[frame.content().readableBytes()];
        frame.content().getBytes(frame.content().readerIndex(), bytes);
        return bytes;
    }
}

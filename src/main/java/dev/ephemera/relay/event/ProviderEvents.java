package dev.ephemera.relay.event;

import dev.ephemera.session.Usage;
import io.micronaut.core.annotation.Nullable;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.handler.codec.http.websocketx.ContinuationWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * Reads the usage a realtime provider reports in its server events (OpenAI-style {@code response.done} with
 * {@code response.usage}), without changing or holding back a frame: a text message is parsed only when its bytes
 * contain the event's name, and the parsed {@code type} decides. A message in fragments is copied until it is
 * whole (bounded by the frame limit). One per session, on its event loop.
 */
public final class ProviderEvents {

    private static final String DONE = "response.done";
    private static final byte[] PREFIX = "response".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] SUFFIX = "done".getBytes(StandardCharsets.US_ASCII);

    private final int limit;
    /** The fragments so far of a text message in fragments; null between messages. */
    private ByteArrayOutputStream fragments;
    private boolean inText;

    public ProviderEvents(int limit) {
        this.limit = limit;
    }

    /** The usage the message this frame completes reports, or null. The frame is only read. */
    @Nullable
    public Usage usage(WebSocketFrame frame) {
        ByteBuf content = frame.content();
        if (frame instanceof TextWebSocketFrame) {
            inText = true;
            if (frame.isFinalFragment()) {
                inText = false;
                fragments = null;
                return mentionsDone(content) ? read(ByteBufUtil.getBytes(content)) : null;
            }
            fragments = new ByteArrayOutputStream();
            append(content);
            return null;
        }
        if (frame instanceof ContinuationWebSocketFrame && inText && fragments != null) {
            append(content);
            if (frame.isFinalFragment()) {
                byte[] whole = fragments.toByteArray();
                fragments = null;
                inText = false;
                return read(whole);
            }
            return null;
        }
        inText = false;
        fragments = null;
        return null;
    }

    /**
     * Whether {@code content} holds the bytes {@code response.done}: found by its dot, which Netty finds eight bytes
     * at a time, since audio deltas (base64) hold no dot and most events a few, near their start. A prefilter only:
     * the parsed {@code type} decides.
     */
    static boolean mentionsDone(ByteBuf content) {
        int start = content.readerIndex();
        int end = content.writerIndex();
        int at = start;
        while (at < end) {
            int dot = content.indexOf(at, end, (byte) '.');
            if (dot < 0) {
                return false;
            }
            if (dot - start >= PREFIX.length && end - dot > SUFFIX.length && matches(content, dot - PREFIX.length,
                    PREFIX) && matches(content, dot + 1, SUFFIX)) {
                return true;
            }
            at = dot + 1;
        }
        return false;
    }

    private static boolean matches(ByteBuf content, int at, byte[] expected) {
        for (int i = 0; i < expected.length; i++) {
            if (content.getByte(at + i) != expected[i]) {
                return false;
            }
        }
        return true;
    }

    private void append(ByteBuf content) {
        if (fragments.size() + content.readableBytes() > limit) {
            fragments = null;
            return;
        }
        fragments.writeBytes(ByteBufUtil.getBytes(content));
    }

    private static Usage read(byte[] message) {
        Object event = StrictJson.parse(message).orElse(null);
        if (!(event instanceof Map<?, ?> m) || !DONE.equals(m.get("type"))
                || !(m.get("response") instanceof Map<?, ?> response)) {
            return null;
        }
        return UsageFields.of(response.get("usage"));
    }
}

package dev.ephemera.relay.event;

import dev.ephemera.json.StrictJson;
import io.micronaut.core.annotation.Nullable;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.ContinuationWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * Reads what a Live provider's messages ({@link LiveProtocol}; Google sends them as binary frames of UTF-8 JSON,
 * text frames are read alike) say of turns, without changing or holding back a frame. A turn begins with the
 * model's first content or tool call after the last one ended ({@link ProviderEvents.Created}, under an id of this
 * reader's); each {@code usageMetadata} message is one report of usage and ends the turn it belongs to
 * ({@link ProviderEvents.Done}); a turn the provider said was complete (or interrupted) and that the next one
 * follows without a report ends unreported ({@link ProviderEvents.Turned}: counted as all it held). A message is
 * parsed only when its bytes name what it would be read for, and the parsed message decides. A message in fragments
 * is copied until it is whole (bounded by the frame limit). One per session, on its event loop.
 */
final class LiveServerEvents implements RealtimeProtocol.ServerEventReader {

    /** The keys a message is read for, each a bit of what {@link #mentions} finds. */
    private static final byte[][] KEYS = {bytes("usageMetadata"), bytes("serverContent"), bytes("toolCall"),
        bytes("turnComplete"), bytes("interrupted")};
    private static final int USAGE = 1;
    private static final int STARTS = 2 | 4;
    private static final int ENDS = 8 | 16;

    private final int limit;
    private ByteArrayOutputStream fragments;
    /** The turn the model is in, or null between turns. */
    @Nullable
    private String turn;
    /** Whether the provider said the turn is complete (its usage may still come). */
    private boolean complete;
    private long turns;

    LiveServerEvents(int limit) {
        this.limit = limit;
    }

    @Override
    @Nullable
    public ProviderEvents.ServerEvent read(WebSocketFrame frame) {
        ByteBuf content = frame.content();
        if (frame instanceof TextWebSocketFrame || frame instanceof BinaryWebSocketFrame) {
            fragments = null;
            if (frame.isFinalFragment()) {
                return message(content);
            }
            fragments = new ByteArrayOutputStream();
            append(content);
            return null;
        }
        if (frame instanceof ContinuationWebSocketFrame && fragments != null) {
            append(content);
            if (frame.isFinalFragment()) {
                ByteBuf whole = Unpooled.wrappedBuffer(fragments.toByteArray());
                fragments = null;
                return message(whole);
            }
        }
        return null;
    }

    private ProviderEvents.ServerEvent message(ByteBuf content) {
        int found = mentions(content);
        boolean usage = (found & USAGE) != 0;
        boolean starts = (turn == null || complete) && (found & STARTS) != 0;
        boolean ends = turn != null && !complete && (found & ENDS) != 0;
        if (!usage && !starts && !ends) {
            return null;
        }
        Object parsed = StrictJson.parseLeavingLongText(ByteBufUtil.getBytes(content)).orElse(null);
        if (!(parsed instanceof Map<?, ?> message)) {
            return null;
        }
        if (message.containsKey("usageMetadata")) {
            String ended = turn;
            turn = null;
            complete = false;
            return new ProviderEvents.Done(ended, UsageFields.of(message.get("usageMetadata")));
        }
        Map<?, ?> server = message.get("serverContent") instanceof Map<?, ?> m ? m : Map.of();
        ProviderEvents.ServerEvent event = null;
        if ((turn == null || complete) && (server.get("modelTurn") instanceof Map<?, ?>
                || message.containsKey("toolCall"))) {
            ProviderEvents.Done unreported = turn == null ? null : new ProviderEvents.Done(turn, null);
            turn = "turn_" + ++turns;
            complete = false;
            ProviderEvents.Created created = new ProviderEvents.Created(turn, null);
            event = unreported == null ? created : new ProviderEvents.Turned(unreported, created);
        }
        if (turn != null && (Boolean.TRUE.equals(server.get("turnComplete"))
                || Boolean.TRUE.equals(server.get("interrupted")))) {
            complete = true;
        }
        return event;
    }

    /**
     * Which of {@link #KEYS} the message names right after a quote: one pass over its quotes, which Netty finds
     * eight bytes at a time, since audio (base64) holds none. A prefilter only: the parsed message decides.
     */
    static int mentions(ByteBuf content) {
        int found = 0;
        int end = content.writerIndex();
        for (int at = content.readerIndex(); at < end; ) {
            int quote = content.indexOf(at, end, (byte) '"');
            if (quote < 0) {
                break;
            }
            for (int key = 0; key < KEYS.length; key++) {
                if (ProviderEvents.follows(content, quote, end, KEYS[key])) {
                    found |= 1 << key;
                }
            }
            at = quote + 1;
        }
        return found;
    }

    private void append(ByteBuf content) {
        if (fragments.size() + content.readableBytes() > limit) {
            fragments = null;
            return;
        }
        fragments.writeBytes(ByteBufUtil.getBytes(content));
    }

    private static byte[] bytes(String word) {
        return word.getBytes(StandardCharsets.US_ASCII);
    }
}

package dev.ephemera.relay.event;

import dev.ephemera.json.StrictJson;
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
 * Reads what a realtime provider's server events say of responses (OpenAI-style {@code response.created},
 * {@code response.done} with {@code response.usage}, and {@code error} naming a client event), without changing or
 * holding back a frame: a text message is parsed only when its bytes contain such an event's name, and the parsed
 * {@code type} decides. A message in fragments is copied until it is whole (bounded by the frame limit). One per
 * session, on its event loop.
 */
public final class ProviderEvents implements RealtimeProtocol.ServerEventReader {

    /** What a server event says of a response. */
    public sealed interface ServerEvent {
    }

    /**
     * The provider created response {@code responseId}; {@code instructions} are the ones it runs with where the
     * event names them (null: not named).
     */
    public record Created(String responseId, @Nullable Object instructions) implements ServerEvent {
    }

    /**
     * A conversation item the session now holds ({@code conversation.item.added}, {@code .created}, {@code .done}),
     * with its {@code role} (never null: items without one are not reported); read only by a reader made
     * {@link #withSessionEvents}.
     */
    public record ItemAdded(Object role) implements ServerEvent {
    }

    /** Response {@code responseId} (null when it had none) is done, having used {@code usage} (null: unreported). */
    public record Done(@Nullable String responseId, @Nullable Usage usage) implements ServerEvent {
    }

    /**
     * A turn ended without its usage being reported ({@code done}) as the next one began ({@code created}): one
     * message of the Live API can be both.
     */
    public record Turned(Done done, Created created) implements ServerEvent {
    }

    /** The provider refused the client event {@code eventId}. */
    public record Refused(String eventId) implements ServerEvent {
    }

    /**
     * The session's configuration as the provider now holds it ({@code session.updated}), or as it started
     * ({@code initial}: {@code session.created}, GPT-Live's {@code session.started}); read only by a reader made
     * {@link #withSessionEvents}.
     */
    public record SessionState(Map<?, ?> session, boolean initial) implements ServerEvent {
    }

    /**
     * GPT-Live's {@code session.usage.updated}: the session's seconds so far, a total (not an increment); read only
     * by a reader made {@link #withSessionEvents}.
     */
    public record SecondsUsed(double seconds) implements ServerEvent {
    }

    private static final String DONE = "response.done";
    private static final String CREATED = "response.created";
    private static final byte[] PREFIX = "response".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] SUFFIX = "done".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] CREATED_SUFFIX = "created".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] ERROR = "\"error\"".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] SESSION = "session".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] UPDATED = "updated".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] STARTED = "started".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] USAGE = "usage".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] ITEM = "item".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] ADDED = "added".getBytes(StandardCharsets.US_ASCII);
    /** Where an error event names its type: OpenAI writes {@code type} first. */
    private static final int ERROR_WINDOW = 64;

    private final int limit;
    /** Whether the session's own events are read too (a sideband watching a call), not only responses. */
    private final boolean sessionEvents;
    /** The fragments so far of a text message in fragments; null between messages. */
    private ByteArrayOutputStream fragments;
    private boolean inText;

    public ProviderEvents(int limit) {
        this(limit, false);
    }

    private ProviderEvents(int limit, boolean sessionEvents) {
        this.limit = limit;
        this.sessionEvents = sessionEvents;
    }

    /**
     * A reader that also reports the session's configuration and GPT-Live's seconds ({@link SessionState},
     * {@link SecondsUsed}): what a sideband watching a call must see. The relay's own reader skips them.
     */
    public static ProviderEvents withSessionEvents(int limit) {
        return new ProviderEvents(limit, true);
    }

    /** The usage the message this frame completes reports, or null. The frame is only read. */
    @Nullable
    public Usage usage(WebSocketFrame frame) {
        return read(frame) instanceof Done done ? done.usage() : null;
    }

    /** What the message this frame completes says of a response, or null. The frame is only read. */
    @Override
    @Nullable
    public ServerEvent read(WebSocketFrame frame) {
        ByteBuf content = frame.content();
        if (frame instanceof TextWebSocketFrame) {
            inText = true;
            if (frame.isFinalFragment()) {
                inText = false;
                fragments = null;
                return mentionsEvent(content, sessionEvents) || mentionsError(content)
                        ? event(ByteBufUtil.getBytes(content)) : null;
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
                return event(whole);
            }
            return null;
        }
        inText = false;
        fragments = null;
        return null;
    }

    /** Whether {@code content} holds the bytes {@code response.done} ({@link #mentionsResponse}). */
    static boolean mentionsDone(ByteBuf content) {
        return mentions(content, SUFFIX, SUFFIX);
    }

    /**
     * Whether {@code content} holds the bytes {@code response.done} or {@code response.created}: found by the dot,
     * which Netty finds eight bytes at a time, since audio deltas (base64) hold no dot and most events a few, near
     * their start. A prefilter only: the parsed {@code type} decides.
     */
    static boolean mentionsResponse(ByteBuf content) {
        return mentions(content, SUFFIX, CREATED_SUFFIX);
    }

    /**
     * Whether {@code content} holds {@code response.done} or {@code response.created} ({@link #mentionsResponse}),
     * or, with {@code sessionEvents}, {@code session.} followed by {@code created}, {@code updated}, {@code started} or
     * {@code usage}, or {@code item.} followed by {@code added}, {@code created} or {@code done}: one pass over the
     * dots for all of them. A prefilter only.
     */
    static boolean mentionsEvent(ByteBuf content, boolean sessionEvents) {
        if (!sessionEvents) {
            return mentionsResponse(content);
        }
        int start = content.readerIndex();
        int end = content.writerIndex();
        for (int at = start; at < end; ) {
            int dot = content.indexOf(at, end, (byte) '.');
            if (dot < 0) {
                return false;
            }
            if (after(content, start, dot, PREFIX) && (follows(content, dot, end, SUFFIX)
                    || follows(content, dot, end, CREATED_SUFFIX))
                    || after(content, start, dot, SESSION) && (follows(content, dot, end, CREATED_SUFFIX)
                    || follows(content, dot, end, UPDATED) || follows(content, dot, end, STARTED)
                    || follows(content, dot, end, USAGE))
                    || after(content, start, dot, ITEM) && (follows(content, dot, end, ADDED)
                    || follows(content, dot, end, CREATED_SUFFIX) || follows(content, dot, end, SUFFIX))) {
                return true;
            }
            at = dot + 1;
        }
        return false;
    }

    /** Whether {@code word} ends right before the dot at {@code dot}. */
    private static boolean after(ByteBuf content, int start, int dot, byte[] word) {
        return dot - start >= word.length && matches(content, dot - word.length, word);
    }

    /** Whether the start of {@code content} holds {@code "error"}; a prefilter only. */
    static boolean mentionsError(ByteBuf content) {
        int start = content.readerIndex();
        int end = Math.min(content.writerIndex(), start + ERROR_WINDOW);
        for (int at = start; at + ERROR.length <= end; at++) {
            if (matches(content, at, ERROR)) {
                return true;
            }
        }
        return false;
    }

    /** Whether {@code content} holds {@code response.} followed by either suffix; one pass over its dots. */
    private static boolean mentions(ByteBuf content, byte[] suffix, byte[] other) {
        int start = content.readerIndex();
        int end = content.writerIndex();
        int at = start;
        while (at < end) {
            int dot = content.indexOf(at, end, (byte) '.');
            if (dot < 0) {
                return false;
            }
            if (dot - start >= PREFIX.length && matches(content, dot - PREFIX.length, PREFIX)
                    && (follows(content, dot, end, suffix) || follows(content, dot, end, other))) {
                return true;
            }
            at = dot + 1;
        }
        return false;
    }

    /** Whether {@code suffix} follows the byte at {@code dot}, before {@code end}. */
    static boolean follows(ByteBuf content, int dot, int end, byte[] suffix) {
        return end - dot > suffix.length && matches(content, dot + 1, suffix);
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

    @Nullable
    private ServerEvent event(byte[] message) {
        if (!(StrictJson.parse(message).orElse(null) instanceof Map<?, ?> event)
                || !(event.get("type") instanceof String type)) {
            return null;
        }
        Map<?, ?> response = event.get("response") instanceof Map<?, ?> r ? r : Map.of();
        String responseId = response.get("id") instanceof String id ? id : null;
        return switch (type) {
            case DONE -> new Done(responseId, response.isEmpty() ? null : UsageFields.of(response.get("usage")));
            case CREATED -> responseId == null ? null : new Created(responseId, response.get("instructions"));
            case "conversation.item.added", "conversation.item.created", "conversation.item.done" -> sessionEvents
                    && event.get("item") instanceof Map<?, ?> item && item.get("role") != null
                    ? new ItemAdded(item.get("role")) : null;
            case "error" -> event.get("error") instanceof Map<?, ?> error
                    && error.get("event_id") instanceof String eventId ? new Refused(eventId) : null;
            case "session.created", "session.updated", "session.started" -> sessionEvents
                    && event.get("session") instanceof Map<?, ?> session
                    ? new SessionState(session, !type.equals("session.updated")) : null;
            case "session.usage.updated" -> sessionEvents && event.get("usage") instanceof Map<?, ?> usage
                    && usage.get("seconds") instanceof Number seconds && seconds.doubleValue() >= 0
                    ? new SecondsUsed(seconds.doubleValue()) : null;
            default -> null;
        };
    }
}

package dev.ephemera.support;

import io.micronaut.context.annotation.Requires;
import io.micronaut.http.HttpRequest;
import io.micronaut.security.annotation.Secured;
import io.micronaut.security.rules.SecurityRule;
import io.micronaut.websocket.CloseReason;
import io.micronaut.websocket.WebSocketSession;
import io.micronaut.websocket.annotation.OnClose;
import io.micronaut.websocket.annotation.OnMessage;
import io.micronaut.websocket.annotation.OnOpen;
import io.micronaut.websocket.annotation.ServerWebSocket;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A fake realtime provider: records the handshake and every frame, echoes text and binary frames, and closes
 * with code N when told {@code close:N}.
 */
@ServerWebSocket("/fake/{provider}/realtime")
@Secured(SecurityRule.IS_ANONYMOUS)
@Requires(property = "fake.upstream", value = "true")
final class FakeRealtimeSocket {

    private final FakeRecorder recorder;

    FakeRealtimeSocket(FakeRecorder recorder) {
        this.recorder = recorder;
    }

    @OnOpen
    void open(WebSocketSession session, HttpRequest<?> request) {
        Map<String, List<String>> headers = new HashMap<>();
        request.getHeaders().forEach((name, values) -> headers.put(name.toLowerCase(Locale.ROOT), List.copyOf(values)));
        recorder.requests.add(new FakeRecorder.Seen("WEBSOCKET", request.getUri().toString(), headers, ""));
    }

    @OnMessage(maxPayloadLength = 16 * 1024 * 1024)
    void message(WebSocketFrame frame, WebSocketSession session) {
        try {
            if (frame instanceof TextWebSocketFrame text && "/fake/sdk/realtime".equals(session.getRequestURI()
                    .getPath())) {
                recorder.frames.add(text.text());
                for (String reply : openAiReplies(text.text())) {
                    session.sendSync(new TextWebSocketFrame(reply));
                }
                return;
            }
            if (frame instanceof TextWebSocketFrame text) {
                String message = text.text();
                recorder.frames.add(message);
                if (message.startsWith("close:")) {
                    session.close(new CloseReason(Integer.parseInt(message.substring(6)), "asked to close"));
                    return;
                }
                session.sendSync(new TextWebSocketFrame(message));
            } else if (frame instanceof BinaryWebSocketFrame) {
                byte[] bytes = new byte[frame.content().readableBytes()];
                frame.content().getBytes(frame.content().readerIndex(), bytes);
                recorder.binaryBytes.addAndGet(bytes.length);
                session.sendSync(new BinaryWebSocketFrame(Unpooled.wrappedBuffer(bytes)));
            }
        } finally {
            frame.release();
        }
    }

    /** What OpenAI's realtime API answers to a client event, in brief. */
    private static List<String> openAiReplies(String event) {
        if (event.contains("\"session.update\"")) {
            return List.of("{\"type\":\"session.updated\",\"event_id\":\"ev_1\",\"session\":{\"type\":\"realtime\"}}");
        }
        if (event.contains("\"response.create\"")) {
            return List.of("{\"type\":\"response.created\",\"event_id\":\"ev_2\",\"response\":{\"id\":\"resp_1\"}}",
                    "{\"type\":\"response.done\",\"event_id\":\"ev_3\",\"response\":{\"id\":\"resp_1\","
                            + "\"status\":\"completed\"}}");
        }
        return List.of();
    }

    @OnClose
    void close(CloseReason reason) {
        recorder.closeCodes.add(reason.getCode());
    }
}

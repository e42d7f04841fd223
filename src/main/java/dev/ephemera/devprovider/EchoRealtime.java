package dev.ephemera.devprovider;

import dev.ephemera.json.StrictJson;
import io.micronaut.core.annotation.Nullable;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One realtime session with the echo provider, in OpenAI's realtime event protocol (text only): {@code
 * session.created} on connect, {@code session.update} answered with {@code session.updated}, {@code
 * conversation.item.create} with {@code conversation.item.added}, and {@code response.create} with {@code
 * response.created}, one {@code response.output_text.delta} per word, {@code response.output_text.done} and {@code
 * response.done} with usage. The response's {@code max_output_tokens} (else the session's) caps the words, as a
 * model's output limit does. Anything else is answered with an {@code error} event, as OpenAI does.
 */
final class EchoRealtime extends SimpleChannelInboundHandler<WebSocketFrame> {

    /** A session holds this many configuration fields at most: what a client sends cannot pile up here. */
    static final int MAX_FIELDS = 64;

    private final Map<String, Object> session = new LinkedHashMap<>();
    /** The last thing the user said, and the words of everything said (the input tokens), not the texts. */
    private String lastSaid;
    private long saidWords;
    private long events;
    private long responses;
    private long items;

    EchoRealtime(@Nullable String model) {
        session.put("id", "sess_echo_" + Long.toHexString(System.nanoTime()));
        session.put("object", "realtime.session");
        session.put("type", "realtime");
        session.put("model", model == null ? "echo" : model);
        session.put("instructions", "");
        session.put("output_modalities", List.of("text"));
        session.put("max_output_tokens", "inf");
    }

    /** The first event, sent once the handshake is done. */
    void start(ChannelHandlerContext ctx) {
        send(ctx, "session.created", Map.of("session", session));
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, WebSocketFrame frame) {
        if (frame instanceof CloseWebSocketFrame close) {
            ctx.writeAndFlush(close.retainedDuplicate()).addListener(done -> ctx.close());
        } else if (frame instanceof PingWebSocketFrame ping) {
            ctx.writeAndFlush(new PongWebSocketFrame(ping.content().retain()));
        } else if (frame instanceof TextWebSocketFrame text) {
            Object event = StrictJson.parse(ByteBufUtil.getBytes(text.content())).orElse(null);
            if (event instanceof Map<?, ?> e && e.get("type") instanceof String type) {
                handle(ctx, type, e);
            } else {
                error(ctx, "invalid_json", "Each message must be one JSON object with a 'type'.");
            }
        } else if (!(frame instanceof PongWebSocketFrame)) {
            error(ctx, "invalid_event", "The echo provider reads text frames only.");
        }
    }

    private void handle(ChannelHandlerContext ctx, String type, Map<?, ?> event) {
        switch (type) {
            case "session.update" -> {
                Map<?, ?> changes = event.get("session") instanceof Map<?, ?> c ? c : Map.of();
                if (changes.keySet().stream().filter(k -> !session.containsKey(k)).count() + session.size()
                        > MAX_FIELDS) {
                    error(ctx, "invalid_value", "A session has at most " + MAX_FIELDS + " fields.");
                    return;
                }
                changes.forEach((k, v) -> session.put((String) k, v));
                send(ctx, "session.updated", Map.of("session", session));
            }
            case "conversation.item.create" -> {
                Map<?, ?> item = event.get("item") instanceof Map<?, ?> i ? i : Map.of();
                String text = Echo.text(item.get("content"));
                lastSaid = text;
                saidWords += Echo.words(text).size();
                Map<String, Object> added = new LinkedHashMap<>();
                added.put("id", "item_echo_" + ++items);
                added.put("type", "message");
                added.put("role", item.get("role") instanceof String r ? r : "user");
                added.put("content", List.of(Map.of("type", "input_text", "text", text)));
                send(ctx, "conversation.item.added", Map.of("item", added));
            }
            case "response.create" -> respond(ctx, event.get("response") instanceof Map<?, ?> r ? r : Map.of());
            case "input_audio_buffer.append", "input_audio_buffer.clear", "response.cancel" -> {
                // Audio is not understood here; there is never a response in progress to cancel.
            }
            default -> error(ctx, "unknown_event", "The echo provider does not know the event type '"
                    + (type.length() > 64 ? type.substring(0, 64) + "…" : type) + "'.");
        }
    }

    private void respond(ChannelHandlerContext ctx, Map<?, ?> options) {
        String id = "resp_echo_" + ++responses;
        Object limit = options.containsKey("max_output_tokens") ? options.get("max_output_tokens")
                : session.getOrDefault("max_output_tokens", session.get("max_response_output_tokens"));
        String last = lastSaid;
        List<String> words = Echo.answer(last, Echo.limit(limit));
        String itemId = "item_echo_" + ++items;
        send(ctx, "response.created", Map.of("response", Map.of("id", id, "object", "realtime.response",
                "status", "in_progress", "output", List.of())));
        StringBuilder text = new StringBuilder();
        for (String word : words) {
            String delta = (text.isEmpty() ? "" : " ") + word;
            text.append(delta);
            send(ctx, "response.output_text.delta", Map.of("response_id", id, "item_id", itemId,
                    "output_index", 0, "content_index", 0, "delta", delta));
        }
        send(ctx, "response.output_text.done", Map.of("response_id", id, "item_id", itemId, "output_index", 0,
                "content_index", 0, "text", text.toString()));
        long input = Echo.words(String.valueOf(session.get("instructions"))).size() + saidWords;
        Map<String, Object> response = new LinkedHashMap<>();
        response.put("id", id);
        response.put("object", "realtime.response");
        boolean cut = Echo.cut(last, words);
        response.put("status", cut ? "incomplete" : "completed");
        response.put("status_details", cut ? Map.of("type", "incomplete", "reason", "max_output_tokens")
                : StrictJson.NULL);
        response.put("output", List.of(Map.of("id", itemId, "type", "message", "role", "assistant",
                "content", List.of(Map.of("type", "output_text", "text", text.toString())))));
        response.put("usage", Map.of("input_tokens", input, "output_tokens", (long) words.size(),
                "total_tokens", input + words.size()));
        send(ctx, "response.done", Map.of("response", response));
    }

    private void error(ChannelHandlerContext ctx, String code, String message) {
        send(ctx, "error", Map.of("error", Map.of("type", "invalid_request_error", "code", code,
                "message", message)));
    }

    private void send(ChannelHandlerContext ctx, String type, Map<String, Object> fields) {
        Map<String, Object> event = new LinkedHashMap<>();
        event.put("type", type);
        event.put("event_id", "event_echo_" + ++events);
        event.putAll(fields);
        ctx.writeAndFlush(new TextWebSocketFrame(Echo.json(event)));
    }
}

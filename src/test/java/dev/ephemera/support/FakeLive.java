package dev.ephemera.support;

import dev.ephemera.json.StrictJson;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrameAggregator;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshaker;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshakerFactory;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * A fake Gemini Live server (Google's {@code BidiGenerateContent} over WebSocket) at {@code
 * /fake/<provider>/ws/google.ai.generativelanguage.v1beta.GenerativeService.BidiGenerateContent} (and {@code
 * v1alpha}) and at Vertex's {@code /fake/<provider>/ws/google.cloud.aiplatform.v1.LlmBidiService/BidiGenerateContent}
 * (and {@code v1beta1}); the path must be exactly that (no {@code //ws/}). Its handshake is recorded by {@link
 * FakeUpstream} (headers, query), every client message in {@link FakeRecorder#frames}, every close it sends in {@link
 * FakeRecorder#liveCloseCodes}. As Google does, it answers in binary frames of UTF-8 JSON and ends a session it will
 * not serve with a close code: 1007 for a message that is not one JSON object with exactly one of {@code setup},
 * {@code clientContent}, {@code realtimeInput}, {@code toolResponse}, for a first message that is not {@code setup}
 * and for a second {@code setup}. {@code setup} is answered {@code setupComplete}; a model turn
 * ({@link FakeLiveConversation}, billed as Google bills it) follows a {@code clientContent} with {@code
 * turnComplete:true}, a {@code realtimeInput.text}, a {@code toolResponse} to its {@code toolCall}, and an {@code
 * audioStreamEnd} or {@code activityEnd} after audio (the turn the voice activity detection would start).
 *
 * <p>A user text turn starting {@code fake:} steers it: {@code fake:goaway} sends {@code goAway} (2 s) and closes
 * 1000 two seconds later; {@code fake:close:<code>} closes with that code; {@code fake:no-usage} plays a turn without
 * {@code usageMetadata}; {@code fake:garbage-usage} one whose {@code responseTokenCount} is no number; {@code
 * fake:cached-thoughts} one that reports the last turn's prompt as cached and 8 thought tokens; {@code fake:tool}
 * sends a {@code toolCall} (function {@code fake_tool}, id {@code call_<n>}) whose turn goes on once answered.
 */
final class FakeLive extends SimpleChannelInboundHandler<WebSocketFrame> {

    private static final int MAX_FRAME = 16 * 1024 * 1024;
    private static final Pattern PATH = Pattern.compile("/fake/[^/]+/ws/(google\\.ai\\.generativelanguage\\."
            + "v1(alpha|beta)\\.GenerativeService\\.BidiGenerateContent"
            + "|google\\.cloud\\.aiplatform\\.v1(beta1)?\\.LlmBidiService/BidiGenerateContent)");
    private static final Set<String> KINDS = Set.of("setup", "clientContent", "realtimeInput", "toolResponse");

    private final FakeRecorder recorder;
    private final WebSocketServerHandshaker handshaker;
    private FakeLiveConversation conversation;
    private boolean audioSinceTurn;
    private String toolCallPending;
    private long toolCalls;

    private FakeLive(FakeRecorder recorder, WebSocketServerHandshaker handshaker) {
        this.recorder = recorder;
        this.handshaker = handshaker;
    }

    /** Whether {@code path} (without query) is a Live endpoint of the fake. */
    static boolean serves(String path) {
        return PATH.matcher(path).matches();
    }

    static void upgrade(ChannelHandlerContext ctx, FullHttpRequest request, FakeRecorder recorder) {
        WebSocketServerHandshaker handshaker = new WebSocketServerHandshakerFactory("ws://fake/live", null, true,
                MAX_FRAME).newHandshaker(request);
        if (handshaker == null) {
            WebSocketServerHandshakerFactory.sendUnsupportedVersionResponse(ctx.channel());
            return;
        }
        ctx.pipeline().addLast(new WebSocketFrameAggregator(MAX_FRAME), new FakeLive(recorder, handshaker));
        ctx.pipeline().remove(ctx.handler());
        handshaker.handshake(ctx.channel(), request);
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, WebSocketFrame frame) {
        if (frame instanceof CloseWebSocketFrame close) {
            recorder.closeCodes.add(close.statusCode());
            handshaker.close(ctx.channel(), close.retain());
            return;
        }
        if (frame instanceof PingWebSocketFrame) {
            ctx.writeAndFlush(new PongWebSocketFrame(frame.content().retain()));
            return;
        }
        if (frame instanceof PongWebSocketFrame) {
            return;
        }
        byte[] bytes = ByteBufUtil.getBytes(frame.content());
        recorder.addFrame(new String(bytes, StandardCharsets.UTF_8));
        Object parsed = StrictJson.parse(bytes).orElse(null);
        if (!(parsed instanceof Map<?, ?> message) || message.size() != 1
                || !KINDS.contains(message.keySet().iterator().next())
                || !(message.values().iterator().next() instanceof Map<?, ?> body)) {
            close(ctx, 1007, "Invalid JSON payload received: one of setup, clientContent, realtimeInput, "
                    + "toolResponse expected.");
            return;
        }
        String kind = (String) message.keySet().iterator().next();
        if (conversation == null && !kind.equals("setup")) {
            close(ctx, 1007, "The first message must be setup.");
        } else if (kind.equals("setup")) {
            setup(ctx, body);
        } else if (kind.equals("clientContent")) {
            clientContent(ctx, body);
        } else if (kind.equals("realtimeInput")) {
            realtimeInput(ctx, body);
        } else {
            conversation.heard(new String(StrictJson.write(body), StandardCharsets.UTF_8));
            if (toolCallPending != null) {
                toolCallPending = null;
                play(ctx, FakeLiveConversation.Usage.NORMAL);
            }
        }
    }

    private void setup(ChannelHandlerContext ctx, Map<?, ?> setup) {
        if (conversation != null) {
            close(ctx, 1007, "setup may be sent only once.");
            return;
        }
        Map<?, ?> generation = setup.get("generationConfig") instanceof Map<?, ?> g ? g : Map.of();
        boolean text = generation.get("responseModalities") instanceof List<?> m && m.contains("TEXT")
                && !m.contains("AUDIO");
        long max = generation.get("maxOutputTokens") instanceof BigDecimal n ? n.longValue() : -1;
        conversation = new FakeLiveConversation(!text, max, texts(setup.get("systemInstruction")));
        send(ctx, List.of(Map.of("setupComplete", Map.of())));
    }

    private void clientContent(ChannelHandlerContext ctx, Map<?, ?> content) {
        String said = "";
        if (content.get("turns") instanceof List<?> turns) {
            for (Object turn : turns) {
                String text = texts(turn);
                conversation.heard(text);
                if (turn instanceof Map<?, ?> t && !"model".equals(t.get("role"))) {
                    said = text;
                }
            }
        }
        if (Boolean.TRUE.equals(content.get("turnComplete")) && !steered(ctx, said)) {
            play(ctx, FakeLiveConversation.Usage.NORMAL);
        }
    }

    private void realtimeInput(ChannelHandlerContext ctx, Map<?, ?> input) {
        if (input.get("audio") instanceof Map<?, ?> audio && audio.get("data") instanceof String data) {
            try {
                conversation.heardAudio(data);
            } catch (IllegalArgumentException notBase64) {
                close(ctx, 1007, "realtimeInput.audio.data is not base64.");
                return;
            }
            audioSinceTurn = true;
        }
        if (input.get("text") instanceof String text) {
            conversation.heard(text);
            play(ctx, FakeLiveConversation.Usage.NORMAL);
        }
        boolean ended = Boolean.TRUE.equals(input.get("audioStreamEnd")) || input.containsKey("activityEnd");
        if (ended && audioSinceTurn) {
            play(ctx, FakeLiveConversation.Usage.NORMAL);
        }
    }

    /** Whether the user's {@code said} steered the fake (see the class comment) instead of asking for a turn. */
    private boolean steered(ChannelHandlerContext ctx, String said) {
        switch (said.trim()) {
            case "fake:goaway" -> {
                send(ctx, List.of(Map.of("goAway", Map.of("timeLeft", "2s"))));
                ctx.executor().schedule(() -> close(ctx, 1000, "session over"), 2, TimeUnit.SECONDS);
            }
            case "fake:no-usage" -> play(ctx, FakeLiveConversation.Usage.NONE);
            case "fake:garbage-usage" -> play(ctx, FakeLiveConversation.Usage.GARBAGE);
            case "fake:cached-thoughts" -> play(ctx, FakeLiveConversation.Usage.CACHED_AND_THOUGHTS);
            case "fake:tool" -> {
                toolCallPending = "call_" + ++toolCalls;
                Map<String, Object> call = FakeLiveConversation.object("id", toolCallPending, "name", "fake_tool",
                        "args", Map.of("asked", "by the fake"));
                send(ctx, List.of(Map.of("toolCall", Map.of("functionCalls", List.of(call)))));
            }
            default -> {
                if (!said.trim().matches("fake:close:\\d{4}")) {
                    return false;
                }
                close(ctx, Integer.parseInt(said.trim().substring("fake:close:".length())), "asked to close");
            }
        }
        return true;
    }

    private void play(ChannelHandlerContext ctx, FakeLiveConversation.Usage usage) {
        audioSinceTurn = false;
        send(ctx, conversation.modelTurn(usage));
    }

    /** The text parts of a {@code Content} ({@code {"parts":[{"text":…}]}}), joined by spaces. */
    private static String texts(Object content) {
        StringBuilder out = new StringBuilder();
        if (content instanceof Map<?, ?> c && c.get("parts") instanceof List<?> parts) {
            for (Object part : parts) {
                if (part instanceof Map<?, ?> p && p.get("text") instanceof String t) {
                    out.append(out.isEmpty() ? "" : " ").append(t);
                }
            }
        }
        return out.toString();
    }

    private static void send(ChannelHandlerContext ctx, List<Map<String, Object>> messages) {
        messages.forEach(m -> ctx.write(new BinaryWebSocketFrame(Unpooled.wrappedBuffer(StrictJson.write(m)))));
        ctx.flush();
    }

    private void close(ChannelHandlerContext ctx, int code, String reason) {
        if (ctx.channel().isActive()) {
            recorder.liveCloseCodes.add(code);
            handshaker.close(ctx.channel(), new CloseWebSocketFrame(code, reason));
        }
    }
}

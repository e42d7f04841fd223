package dev.ephemera.support;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.ContinuationWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrameAggregator;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshaker;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshakerFactory;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A fake realtime provider ({@code /fake/<provider>/realtime}): records every frame, echoes text and binary
 * frames, closes with code N when sent {@code {"type":"fake.close","code":N}}, echoes in three fragments what
 * names {@code fake.fragmented}, answers {@code {"type":"fake.large","bytes":N}} with a message of N bytes and
 * {@code {"type":"fake.flood","messages":N}} with N messages of 64 KiB (counted in {@code floodBytesWritten}), and
 * on {@code /fake/sdk/realtime} answers like OpenAI's realtime API, in brief (a response uses 20 tokens in and 10
 * out, or as many out as its {@code max_output_tokens}, at most 50). On {@code /fake/stall/realtime} it
 * completes the handshake and then reads nothing more: a provider that stopped reading. On
 * {@code /fake/metered/realtime} it bills a conversation as a real provider does ({@link FakeConversation}).
 */
final class FakeRealtime extends SimpleChannelInboundHandler<WebSocketFrame> {

    private static final int MAX_FRAME = 16 * 1024 * 1024;
    /** Each response its own id, as the provider gives them. */
    private static final AtomicLong RESPONSES = new AtomicLong();
    private static final Pattern CLOSE = Pattern.compile("\"type\"\\s*:\\s*\"fake\\.close\".*\"code\"\\s*:\\s*(\\d+)");
    private static final Pattern FLOOD =
            Pattern.compile("\"type\"\\s*:\\s*\"fake\\.flood\".*\"messages\"\\s*:\\s*(\\d+)");
    private static final Pattern MAX_OUTPUT = Pattern.compile("\"max_output_tokens\"\\s*:\\s*(\\d+)");
    private static final Pattern LARGE = Pattern.compile("\"type\"\\s*:\\s*\"fake\\.large\".*\"bytes\"\\s*:\\s*(\\d+)");

    private final FakeRecorder recorder;
    private final boolean openAi;
    private final WebSocketServerHandshaker handshaker;
    /** On {@code /fake/metered/realtime}: the conversation, billed as a real provider bills it. */
    private final FakeConversation conversation;

    private FakeRealtime(FakeRecorder recorder, boolean openAi, WebSocketServerHandshaker handshaker,
            FakeConversation conversation) {
        this.recorder = recorder;
        this.openAi = openAi;
        this.handshaker = handshaker;
        this.conversation = conversation;
    }

    static void upgrade(ChannelHandlerContext ctx, FullHttpRequest request, FakeRecorder recorder) {
        if (recorder.calls.attach(ctx, request)) {
            return;
        }
        String path = request.uri().split("\\?", 2)[0];
        if (!path.matches("/fake/[^/]+/realtime")) {
            ctx.close();
            return;
        }
        WebSocketServerHandshaker handshaker = new WebSocketServerHandshakerFactory("ws://fake" + path, "*", true,
                MAX_FRAME).newHandshaker(request);
        if (handshaker == null) {
            WebSocketServerHandshakerFactory.sendUnsupportedVersionResponse(ctx.channel());
            return;
        }
        ctx.pipeline().addLast(new WebSocketFrameAggregator(MAX_FRAME),
                new FakeRealtime(recorder, path.equals("/fake/sdk/realtime"), handshaker,
                        path.equals("/fake/metered/realtime") ? new FakeConversation() : null));
        ctx.pipeline().remove(ctx.handler());
        boolean stall = path.equals("/fake/stall/realtime");
        handshaker.handshake(ctx.channel(), request).addListener(done -> {
            if (stall) {
                ctx.channel().config().setAutoRead(false);
            }
        });
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
        ByteBuf content = frame.content();
        String text = content.toString(StandardCharsets.UTF_8);
        recorder.addFrame(text);
        if (frame instanceof BinaryWebSocketFrame) {
            recorder.binaryBytes.addAndGet(content.readableBytes());
        }
        Matcher close = CLOSE.matcher(text);
        if (close.find()) {
            handshaker.close(ctx.channel(), new CloseWebSocketFrame(Integer.parseInt(close.group(1)),
                    "asked to close"));
            return;
        }
        Matcher flood = FLOOD.matcher(text);
        if (flood.find()) {
            String message = "\"" + "F".repeat(64 * 1024 - 2) + "\"";
            flood(ctx, message, Integer.parseInt(flood.group(1)));
            return;
        }
        Matcher large = LARGE.matcher(text);
        if (large.find()) {
            ctx.writeAndFlush(new TextWebSocketFrame("\"" + "L".repeat(Integer.parseInt(large.group(1)) - 2) + "\""));
            return;
        }
        if (text.contains("fake.fragmented")) {
            int third = text.length() / 3;
            ctx.write(new TextWebSocketFrame(false, 0, text.substring(0, third)));
            ctx.write(new ContinuationWebSocketFrame(false, 0, text.substring(third, 2 * third)));
            ctx.writeAndFlush(new ContinuationWebSocketFrame(true, 0, text.substring(2 * third)));
            return;
        }
        if (openAi || conversation != null) {
            (conversation != null ? conversation.replies(text) : replies(text))
                    .forEach(reply -> ctx.write(new TextWebSocketFrame(reply)));
            ctx.flush();
            return;
        }
        ctx.writeAndFlush(frame instanceof TextWebSocketFrame ? new TextWebSocketFrame(text)
                : new BinaryWebSocketFrame(Unpooled.copiedBuffer(content)));
    }

    /** Writes {@code left} messages, each once the last has left: what a provider streaming audio would do. */
    private void flood(ChannelHandlerContext ctx, String message, int left) {
        if (left == 0 || !ctx.channel().isActive()) {
            return;
        }
        ctx.writeAndFlush(new TextWebSocketFrame(message)).addListener(done -> {
            if (done.isSuccess()) {
                recorder.floodBytesWritten.addAndGet(message.length());
                flood(ctx, message, left - 1);
            }
        });
    }

    /** What OpenAI's realtime API answers to a client event, in brief. */
    private static List<String> replies(String event) {
        if (event.contains("\"session.update\"")) {
            return List.of("{\"type\":\"session.updated\",\"event_id\":\"ev_1\",\"session\":{\"type\":\"realtime\"}}");
        }
        if (event.contains("\"response.create\"")) {
            // 20 tokens in; out, 10, or as many as max_output_tokens allows up to 50.
            Matcher max = MAX_OUTPUT.matcher(event);
            int output = max.find() ? Math.min(50, Integer.parseInt(max.group(1))) : 10;
            String id = "resp_" + RESPONSES.incrementAndGet();
            return List.of("{\"type\":\"response.created\",\"event_id\":\"ev_2\",\"response\":{\"id\":\"" + id + "\"}}",
                    "{\"type\":\"response.output_text.delta\",\"event_id\":\"ev_3\",\"delta\":\"response.done\"}",
                    "{\"type\":\"response.done\",\"event_id\":\"ev_4\",\"response\":{\"id\":\"" + id + "\","
                            + "\"status\":\"completed\",\"usage\":{\"total_tokens\":" + (20 + output)
                            + ",\"input_tokens\":20,\"output_tokens\":" + output + ",\"input_token_details\":"
                            + "{\"cached_tokens\":5,\"audio_tokens\":12},\"output_token_details\":{\"audio_tokens\":"
                            + (output / 2) + "}}}}");
        }
        return List.of();
    }
}

package dev.ephemera.support;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrameAggregator;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshaker;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshakerFactory;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The fake provider's calls: WebRTC calls of the realtime API ({@code POST …/realtime/calls} answers a call id in
 * {@code Location}) and GPT-Live sessions ({@code POST …/live/sessions}), each with a sideband WebSocket
 * ({@code …/realtime?call_id=…}, {@code …/live/sessions/{id}/attach}) that receives {@code session.created} on attach
 * and every event a test {@link Call#emit emits} (what the browser's data channel would cause), and a hang-up
 * ({@code POST …/hangup}) that ends the call and closes its sidebands. What the broker sends on a sideband is
 * recorded per call. Tests make it misbehave: no call id, a refused sideband.
 */
public final class FakeCalls {

    private static final Pattern LIVE_ATTACH = Pattern.compile("/fake/[^/]+/live/sessions/([^/]+)/attach");
    private static final AtomicLong IDS = new AtomicLong();

    /** One call at the fake provider. */
    public static final class Call {
        public final String id;
        /** The body the call was created with (the SDP, the multipart form, or Live's JSON). */
        public final String created;
        public final List<String> fromSideband = new CopyOnWriteArrayList<>();
        public final AtomicInteger hangups = new AtomicInteger();
        public final AtomicInteger attachments = new AtomicInteger();
        final List<Channel> sidebands = new CopyOnWriteArrayList<>();
        volatile boolean ended;

        Call(String id, String created) {
            this.id = id;
            this.created = created;
        }

        /** Sends {@code event} on every attached sideband, as the provider does for each event of the call. */
        public void emit(String event) {
            sidebands.forEach(channel -> channel.writeAndFlush(new TextWebSocketFrame(event)));
        }

        /** The call ends at the provider (the browser hung up): its sidebands are closed with 1000. */
        public void end() {
            ended = true;
            sidebands.forEach(channel -> channel.writeAndFlush(new CloseWebSocketFrame(1000, "call ended"))
                    .addListener(f -> channel.close()));
        }

        public boolean ended() {
            return ended;
        }

        public int sidebandsOpen() {
            return (int) sidebands.stream().filter(Channel::isActive).count();
        }
    }

    private final Map<String, Call> calls = new ConcurrentHashMap<>();
    private final List<Call> order = new CopyOnWriteArrayList<>();
    /** Answer offers without a {@code Location}: a provider that names no call. */
    public volatile boolean noCallId;
    /** Refuse sideband handshakes (503). */
    public volatile boolean refuseSideband;
    /** Answer offers with a second Location, naming another call, before the right one. */
    public volatile boolean twoLocations;
    /** Answer this many hang-ups with 500 before taking one. */
    public final AtomicInteger failHangups = new AtomicInteger();
    /** Pad the SDP answer with this many bytes (a provider answering more than an answer). */
    public volatile int answerPadding;
    /** Hold sideband handshakes this long. */
    public volatile Duration sidebandDelay = Duration.ZERO;

    Call create(String prefix, String body) {
        Call call = new Call(prefix + "_" + IDS.incrementAndGet(), body);
        calls.put(call.id, call);
        order.add(call);
        return call;
    }

    /** The calls created so far, oldest first. */
    public List<Call> all() {
        return List.copyOf(order);
    }

    public Call last() {
        return order.get(order.size() - 1);
    }

    public void reset() {
        calls.clear();
        order.clear();
        noCallId = false;
        answerPadding = 0;
        twoLocations = false;
        failHangups.set(0);
        refuseSideband = false;
        sidebandDelay = Duration.ZERO;
    }

    /** {@code POST …/{id}/hangup}: whether the call was known. */
    boolean hangup(String id) {
        Call call = calls.get(id);
        if (call == null) {
            return false;
        }
        call.hangups.incrementAndGet();
        call.end();
        return true;
    }

    /** Whether {@code request} (an upgrade) is a sideband's; if so it is answered here. */
    boolean attach(ChannelHandlerContext ctx, FullHttpRequest request) {
        QueryStringDecoder uri = new QueryStringDecoder(request.uri());
        List<String> callId = uri.parameters().get("call_id");
        Matcher live = LIVE_ATTACH.matcher(uri.path());
        String id = callId != null && !callId.isEmpty() ? callId.get(0) : live.matches() ? live.group(1) : null;
        if (id == null) {
            return false;
        }
        Call call = calls.get(id);
        if (call == null || call.ended || refuseSideband) {
            ctx.writeAndFlush(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, call == null
                    ? HttpResponseStatus.NOT_FOUND : HttpResponseStatus.SERVICE_UNAVAILABLE)).addListener(f ->
                    ctx.close());
            return true;
        }
        request.retain();
        ctx.executor().schedule(() -> handshake(ctx, request, call), sidebandDelay.toMillis(), TimeUnit.MILLISECONDS);
        return true;
    }

    private static void handshake(ChannelHandlerContext ctx, FullHttpRequest request, Call call) {
        try {
            WebSocketServerHandshaker handshaker = new WebSocketServerHandshakerFactory("ws://fake" + request.uri(),
                    null, false, 16 * 1024 * 1024).newHandshaker(request);
            ctx.pipeline().addLast(new WebSocketFrameAggregator(16 * 1024 * 1024), new Sideband(call));
            ctx.pipeline().remove(ctx.handler());
            // Counted before the 101 is written: the broker may read it and answer its caller before this
            // write's listener runs. (The sideband is open, for emit and sidebandsOpen, only once it is written.)
            call.attachments.incrementAndGet();
            handshaker.handshake(ctx.channel(), request).addListener(done -> {
                call.sidebands.add(ctx.channel());
                if (call.ended) {
                    // The call ended while this 101 was on its way (the broker may have answered its caller and the
                    // test ended the call before this listener ran): closed as end() closes the others.
                    ctx.writeAndFlush(new CloseWebSocketFrame(1000, "call ended")).addListener(f -> ctx.close());
                    return;
                }
                ctx.writeAndFlush(new TextWebSocketFrame("{\"type\":\"session.created\",\"event_id\":\"ev_c\","
                        + "\"session\":{\"type\":\"realtime\"}}"));
            });
        } finally {
            request.release();
        }
    }

    /** Records what the broker sends on a sideband; a close is answered. */
    private static final class Sideband extends SimpleChannelInboundHandler<WebSocketFrame> {
        private final Call call;

        Sideband(Call call) {
            this.call = call;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, WebSocketFrame frame) {
            if (frame instanceof CloseWebSocketFrame) {
                ctx.writeAndFlush(new CloseWebSocketFrame(1000, "")).addListener(f -> ctx.close());
                return;
            }
            call.fromSideband.add(frame.content().toString(StandardCharsets.UTF_8));
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            call.sidebands.remove(ctx.channel());
        }
    }
}

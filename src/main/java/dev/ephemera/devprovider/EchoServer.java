package dev.ephemera.devprovider;

import dev.ephemera.json.StrictJson;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http.websocketx.WebSocketFrameAggregator;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshaker;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshakerFactory;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * The echo provider's server: one Netty event loop on a free loopback port, answering {@code GET /v1/realtime}
 * (WebSocket, {@link EchoRealtime}) and {@code POST /v1/chat/completions} ({@link EchoCompletions}) to requests
 * that carry its key as {@code Authorization: Bearer}, like OpenAI, and Gemini Live ({@link EchoLive}) at {@code
 * /ws/google.ai.generativelanguage.v1beta.GenerativeService.BidiGenerateContent} (or {@code v1alpha}; also under
 * {@code /v1}) to a handshake with its key as {@code Authorization: Bearer} or, like Google, {@code x-goog-api-key};
 * anything else is 401 or 404 in OpenAI's error shape. Bodies and messages past 1 MiB are refused.
 */
final class EchoServer implements AutoCloseable {

    private static final int MAX_BYTES = 1024 * 1024;
    /**
     * Gemini Live's endpoint, under the server's root and under the base URL's {@code /v1}: a relay that puts it
     * under the provider's origin and one that puts it under the provider's base URL both reach it.
     */
    private static final Pattern LIVE = Pattern.compile("(/v1)?/ws/google\\.ai\\.generativelanguage\\."
            + "v1(alpha|beta)\\.GenerativeService\\.BidiGenerateContent");

    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    private final String key;
    private final Clock clock;
    private final byte[] expected;
    private final Channel channel;

    EchoServer(String key, Clock clock) {
        this.key = key;
        this.clock = clock;
        this.expected = ("Bearer " + key).getBytes(StandardCharsets.UTF_8);
        ServerBootstrap bootstrap = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(new HttpServerCodec(), new HttpObjectAggregator(MAX_BYTES),
                                new Requests());
                    }
                });
        try {
            this.channel = bootstrap.bind("127.0.0.1", 0).sync().channel();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("the echo provider did not start", e);
        }
    }

    /** The OpenAI-style base URL: {@code http://127.0.0.1:<port>/v1}. */
    URI baseUrl() {
        return URI.create("http://127.0.0.1:" + ((InetSocketAddress) channel.localAddress()).getPort() + "/v1");
    }

    /** The key it expects; made at start-up, never logged. */
    String key() {
        return key;
    }

    @Override
    public void close() {
        channel.close().syncUninterruptibly();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    private final class Requests extends SimpleChannelInboundHandler<FullHttpRequest> {
        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
            QueryStringDecoder uri = new QueryStringDecoder(request.uri());
            boolean live = LIVE.matcher(uri.path()).matches() && request.method().equals(HttpMethod.GET);
            String auth = request.headers().get(HttpHeaderNames.AUTHORIZATION, "");
            String googKey = live ? request.headers().get("x-goog-api-key", "") : "";
            if (!MessageDigest.isEqual(expected, auth.getBytes(StandardCharsets.UTF_8))
                    && !MessageDigest.isEqual(key.getBytes(StandardCharsets.UTF_8),
                            googKey.getBytes(StandardCharsets.UTF_8))) {
                error(ctx, HttpResponseStatus.UNAUTHORIZED, "invalid_api_key", "Incorrect API key provided.");
            } else if (uri.path().equals("/v1/realtime") && request.method().equals(HttpMethod.GET)) {
                EchoRealtime session = new EchoRealtime(uri.parameters().getOrDefault("model", List.of()).stream()
                        .findFirst().orElse(null));
                upgrade(ctx, request, session, () -> session.start(ctx.pipeline().context(session)));
            } else if (live) {
                upgrade(ctx, request, new EchoLive(), () -> { });
            } else if (uri.path().equals("/v1/chat/completions") && request.method().equals(HttpMethod.POST)) {
                complete(ctx, request);
            } else {
                error(ctx, HttpResponseStatus.NOT_FOUND, "unknown_url", "The echo provider answers POST "
                        + "/v1/chat/completions, GET /v1/realtime and Gemini Live's BidiGenerateContent only.");
            }
        }
    }

    /** Upgrades to a WebSocket served by {@code session}; {@code started} runs once the handshake is done. */
    private static void upgrade(ChannelHandlerContext ctx, FullHttpRequest request, ChannelHandler session,
            Runnable started) {
        WebSocketServerHandshaker handshaker = new WebSocketServerHandshakerFactory("ws://127.0.0.1/v1/realtime",
                "*", false, MAX_BYTES).newHandshaker(request);
        if (handshaker == null) {
            WebSocketServerHandshakerFactory.sendUnsupportedVersionResponse(ctx.channel());
            return;
        }
        ctx.pipeline().addLast(new WebSocketFrameAggregator(MAX_BYTES), session);
        ctx.pipeline().remove(ctx.handler());
        handshaker.handshake(ctx.channel(), request).addListener((ChannelFutureListener) done -> {
            if (done.isSuccess()) {
                started.run();
            }
        });
    }

    private void complete(ChannelHandlerContext ctx, FullHttpRequest request) {
        Object body = StrictJson.parse(ByteBufUtil.getBytes(request.content())).orElse(null);
        if (!(body instanceof Map<?, ?> fields)) {
            error(ctx, HttpResponseStatus.BAD_REQUEST, "invalid_json", "The body must be one JSON object.");
            return;
        }
        EchoCompletions completion = new EchoCompletions(fields, clock.instant());
        if (!Boolean.TRUE.equals(fields.get("stream"))) {
            respond(ctx, HttpResponseStatus.OK, "application/json", Echo.json(completion.completion()));
            return;
        }
        boolean usage = fields.get("stream_options") instanceof Map<?, ?> options
                && Boolean.TRUE.equals(options.get("include_usage"));
        StringBuilder events = new StringBuilder();
        completion.chunks(usage).forEach(chunk -> events.append("data: ").append(Echo.json(chunk)).append("\n\n"));
        events.append("data: [DONE]\n\n");
        respond(ctx, HttpResponseStatus.OK, "text/event-stream", events.toString());
    }

    private static void error(ChannelHandlerContext ctx, HttpResponseStatus status, String code, String message) {
        respond(ctx, status, "application/json", Echo.json(Map.of("error", Map.of("message", message,
                "type", "invalid_request_error", "code", code))));
    }

    private static void respond(ChannelHandlerContext ctx, HttpResponseStatus status, String type, String body) {
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status,
                Unpooled.copiedBuffer(body, StandardCharsets.UTF_8));
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, type);
        HttpUtil.setContentLength(response, response.content().readableBytes());
        ctx.writeAndFlush(response);
    }
}

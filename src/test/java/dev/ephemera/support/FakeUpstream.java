package dev.ephemera.support;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.channel.SimpleChannelInboundHandler;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;

/**
 * A local stand-in for the AI providers: a small Netty server of its own, never the broker's application context.
 * Every request is recorded before it is routed (method, raw URI, every value of every header, body), so a path
 * the broker should never have forwarded shows up in {@link #recorder()} even when no fake endpoint answers it
 * (it then gets a plain 404 that no broker code could have written). Endpoints live under
 * {@code /fake/<provider>/…}; see {@link FakeRoutes}, {@link FakeRealtime} and {@link FakeLive} (Gemini Live). Like
 * a provider, it answers 401 to a request without its key ({@link #expectKey}; by default the {@link Broker}'s
 * OpenAI and Anthropic keys), and it fails the test when it is closed having received an ephemeral token: the
 * broker must never send one upstream.
 */
public final class FakeUpstream implements AutoCloseable {

    private final FakeRecorder recorder = new FakeRecorder();
    /** Provider -> the header (lower case) and value every request must carry. */
    private final Map<String, Map.Entry<String, String>> keys = new ConcurrentHashMap<>(Map.of(
            "openai", Map.entry("authorization", "Bearer " + Broker.OPENAI_KEY),
            "sdk", Map.entry("authorization", "Bearer " + Broker.OPENAI_KEY),
            "anthropic", Map.entry("x-api-key", Broker.ANTHROPIC_KEY)));
    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
    private final Channel channel;
    private final String scheme;

    public FakeUpstream() {
        this(null, 0);
    }

    /** A fake provider over TLS on {@code port}, with a certificate the broker does not trust. */
    public static FakeUpstream tls(SelfSignedCertificate certificate, int port) throws Exception {
        return new FakeUpstream(SslContextBuilder.forServer(certificate.certificate.toFile(),
                certificate.key.toFile()).build(), port);
    }

    private FakeUpstream(SslContext tls, int port) {
        this.scheme = tls == null ? "http" : "https";
        ServerBootstrap bootstrap = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        if (tls != null) {
                            ch.pipeline().addLast(tls.newHandler(ch.alloc()));
                        }
                        ch.pipeline().addLast(new HttpServerCodec(), new HttpObjectAggregator(32 * 1024 * 1024),
                                new Recording());
                    }
                });
        try {
            this.channel = bootstrap.bind("127.0.0.1", port).sync().channel();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /**
     * Records, then routes: a WebSocket upgrade to {@link FakeLive} (Gemini Live's paths) or {@link FakeRealtime},
     * anything else to {@link FakeRoutes}.
     */
    private final class Recording extends SimpleChannelInboundHandler<FullHttpRequest> {
        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
            Map<String, List<String>> headers = new LinkedHashMap<>();
            request.headers().forEach(h -> headers.computeIfAbsent(h.getKey().toLowerCase(Locale.ROOT),
                    k -> new ArrayList<>()).add(h.getValue()));
            boolean upgrade = "websocket".equalsIgnoreCase(request.headers().get("Upgrade"));
            recorder.clientPorts.add(((InetSocketAddress) ctx.channel().remoteAddress()).getPort());
            recorder.add(new FakeRecorder.Seen(upgrade ? "WEBSOCKET" : request.method().name(),
                    request.uri(), copyOf(headers), request.content().toString(StandardCharsets.UTF_8)));
            if (!hasKey(request)) {
                FakeRoutes.unauthorized(ctx, request);
            } else if (upgrade && FakeLive.serves(request.uri().split("\\?", 2)[0])) {
                FakeLive.upgrade(ctx, request, recorder);
            } else if (upgrade) {
                FakeRealtime.upgrade(ctx, request, recorder);
            } else {
                FakeRoutes.answer(ctx, request, recorder);
            }
        }
    }

    private boolean hasKey(FullHttpRequest request) {
        String[] parts = request.uri().split("/", 4);
        Map.Entry<String, String> key = parts.length > 2 ? keys.get(parts[2]) : null;
        return key == null || request.headers().getAll(key.getKey()).equals(List.of(key.getValue()));
    }

    /** Requests to {@code provider} must carry exactly {@code value} in {@code header}, or are answered 401. */
    public FakeUpstream expectKey(String provider, String header, String value) {
        keys.put(provider, Map.entry(header.toLowerCase(Locale.ROOT), value));
        return this;
    }

    /** Requests to {@code provider} are answered whatever key they carry (a test that checks keys itself). */
    public FakeUpstream acceptAnyKey(String provider) {
        keys.remove(provider);
        return this;
    }

    private static Map<String, List<String>> copyOf(Map<String, List<String>> headers) {
        Map<String, List<String>> out = new LinkedHashMap<>();
        headers.forEach((k, v) -> out.put(k, List.copyOf(v)));
        return out;
    }

    /** Base URL of a fake provider, e.g. {@code base("openai")}. */
    public String base(String provider) {
        return scheme + "://127.0.0.1:" + ((InetSocketAddress) channel.localAddress()).getPort() + "/fake/"
                + provider;
    }

    public String websocketBase(String provider) {
        return base(provider).replaceFirst("^http", "ws");
    }

    public FakeRecorder recorder() {
        return recorder;
    }

    /** Opens the latch the streaming endpoint waits on before its second event. */
    public CountDownLatch streamGate() {
        return recorder.streamGate;
    }

    /** Stops the server; fails when any request or frame it received held an ephemeral token. */
    @Override
    public void close() {
        channel.close().syncUninterruptibly();
        group.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly();
        if (recorder.tokenSeen.get() != null) {
            throw new AssertionError("an ephemeral token reached the provider: " + recorder.tokenSeen.get());
        }
    }
}

package dev.ephemera.relay;

import dev.ephemera.logging.RepeatedLog;
import io.micronaut.http.netty.channel.EventLoopGroupFactory;
import io.micronaut.http.netty.channel.EventLoopGroupRegistry;
import io.micronaut.http.netty.channel.NettyChannelType;
import io.micronaut.scheduling.TaskExecutors;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolConfig;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolHandler;
import io.netty.handler.codec.http.websocketx.WebSocketVersion;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import jakarta.inject.Named;
import jakarta.inject.Singleton;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import javax.net.ssl.SSLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Opens the provider's WebSocket for a realtime session with Netty's own client, on the event loop of the client's
 * connection: both ends of a session are then served by one thread, so frames pass between them without hand-offs,
 * locks or copies, and each end can stop reading the other's socket when its own writes back up.
 *
 * <p>The provider is reached only as its URI says: {@code wss} with the JDK's trust store and host name
 * verification (never "trust all", whatever other HTTP clients are told), no redirects, no proxy, no extensions
 * (nothing to inflate), and at most {@code ephemera.relay.upstream-timeout} for the connect and for the handshake
 * each. The host is resolved on a blocking thread, never on the event loop.
 */
@Singleton
public final class UpstreamConnector {

    private static final Logger LOG = LoggerFactory.getLogger(UpstreamConnector.class);
    private static final RepeatedLog REPEATED = new RepeatedLog(LOG);

    /** The most a provider's handshake answer may take (status line and headers). */
    private static final int HANDSHAKE_BYTES = 16 * 1024;

    private final SslContext tls;
    private final Class<? extends Channel> channelType;
    private final ExecutorService resolver;

    public UpstreamConnector(EventLoopGroupFactory loops, EventLoopGroupRegistry registry,
            @Named(TaskExecutors.BLOCKING) ExecutorService resolver) throws SSLException {
        this.tls = SslContextBuilder.forClient().endpointIdentificationAlgorithm("HTTPS").build();
        this.channelType = loops.channelClass(NettyChannelType.CLIENT_SOCKET,
                registry.getEventLoopGroupConfiguration("default").orElse(null));
        this.resolver = resolver;
    }

    /**
     * Connects {@code upstream} to {@code uri} on {@code client}'s event loop. Every outcome reaches {@code upstream}
     * on that loop: {@link UpstreamSocket.Events#opened} once the handshake is done, else
     * {@link UpstreamSocket.Events#failed}.
     */
    public void connect(Channel client, URI uri, Map<String, String> headers, Duration timeout, int frameLimit,
            UpstreamSocket upstream) {
        connect(client.eventLoop(), uri, headers, timeout, frameLimit, upstream);
    }

    /** Connects {@code upstream} to {@code uri} on {@code loop}; every outcome reaches {@code upstream} there. */
    public void connect(EventLoop loop, URI uri, Map<String, String> headers, Duration timeout, int frameLimit,
            UpstreamSocket upstream) {
        boolean secure = "wss".equalsIgnoreCase(uri.getScheme());
        String host = uri.getHost();
        int port = uri.getPort() != -1 ? uri.getPort() : secure ? 443 : 80;
        HttpHeaders extra = new DefaultHttpHeaders();
        headers.forEach(extra::set);
        WebSocketClientProtocolConfig config = WebSocketClientProtocolConfig.newBuilder()
                .webSocketUri(uri)
                .version(WebSocketVersion.V13)
                .customHeaders(extra)
                .allowExtensions(false)
                .generateOriginHeader(false)
                .maxFramePayloadLength(frameLimit)
                .handleCloseFrames(false)
                .dropPongFrames(true)
                .withUTF8Validator(false)
                .handshakeTimeoutMillis(timeout.toMillis())
                .forceCloseTimeoutMillis(timeout.toMillis())
                .build();
        Bootstrap bootstrap = new Bootstrap()
                .group(loop)
                .channel(channelType)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE, timeout.toMillis()))
                .option(ChannelOption.TCP_NODELAY, true)
                .handler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ChannelPipeline p = ch.pipeline();
                        if (secure) {
                            p.addLast(tls.newHandler(ch.alloc(), host, port));
                        }
                        p.addLast(new HttpClientCodec(HANDSHAKE_BYTES, HANDSHAKE_BYTES, HANDSHAKE_BYTES),
                                new HttpObjectAggregator(HANDSHAKE_BYTES),
                                new WebSocketClientProtocolHandler(config), upstream);
                    }
                });
        CompletableFuture.supplyAsync(() -> resolve(host, port), resolver).whenComplete((address, error) -> {
            if (error != null) {
                REPEATED.warn("Realtime upstream {} did not resolve", host);
                loop.execute(() -> upstream.unreachable(error));
                return;
            }
            loop.execute(() -> bootstrap.connect(address).addListener((ChannelFutureListener) f -> {
                if (!f.isSuccess()) {
                    REPEATED.warn("Realtime upstream {} unreachable: {}", host, f.cause().getClass().getSimpleName());
                    upstream.unreachable(f.cause());
                }
            }));
        });
    }

    private static InetSocketAddress resolve(String host, int port) {
        try {
            return new InetSocketAddress(InetAddress.getByName(host), port);
        } catch (java.net.UnknownHostException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}

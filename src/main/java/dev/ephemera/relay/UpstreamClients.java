package dev.ephemera.relay;

import io.micronaut.context.annotation.Factory;
import io.micronaut.http.client.DefaultHttpClientConfiguration;
import io.micronaut.http.client.ProxyHttpClient;
import jakarta.inject.Named;
import jakarta.inject.Singleton;
import java.net.http.HttpClient;
import java.time.Duration;

/**
 * The clients relays use to reach providers: never following redirects (a redirect could lead away from the
 * provider's host with the key attached), and bounded by {@code ephemera.relay.upstream-timeout}.
 */
@Factory
final class UpstreamClients {

    /** Streams request and response bodies both ways, so SSE reaches the client as the provider sends it. */
    @Singleton
    @Named("upstream")
    ProxyHttpClient proxyClient(RelayConfiguration relay) {
        DefaultHttpClientConfiguration config = new DefaultHttpClientConfiguration();
        config.setFollowRedirects(false);
        config.setConnectTimeout(relay.upstreamTimeout());
        config.setReadTimeout(relay.upstreamTimeout());
        config.setReadIdleTimeout(Duration.ofMinutes(5));
        config.setExceptionOnErrorStatus(false);
        return ProxyHttpClient.create(null, config);
    }

    /** The WebSocket client for realtime sessions. */
    @Singleton
    @Named("upstream-jdk")
    HttpClient webSocketClient(RelayConfiguration relay) {
        return HttpClient.newBuilder()
                .followRedirects(HttpClient.Redirect.NEVER)
                .connectTimeout(relay.upstreamTimeout())
                .build();
    }
}

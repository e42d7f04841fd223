package dev.ephemera.relay;

import io.micronaut.context.BeanContext;
import io.micronaut.context.annotation.Factory;
import io.micronaut.http.client.DefaultHttpClientConfiguration;
import io.micronaut.http.client.HttpClientConfiguration.ConnectionPoolConfiguration.ConnectionLocality;
import io.micronaut.http.client.LoadBalancer;
import io.micronaut.http.client.ProxyHttpClient;
import io.micronaut.http.client.ProxyHttpClientRegistry;
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
    ProxyHttpClient proxyClient(RelayConfiguration relay, ProxyHttpClientRegistry<ProxyHttpClient> clients,
            BeanContext context) {
        DefaultHttpClientConfiguration config = new DefaultHttpClientConfiguration();
        config.setFollowRedirects(false);
        config.setConnectTimeout(relay.upstreamTimeout());
        config.setReadTimeout(relay.upstreamTimeout());
        config.setReadIdleTimeout(Duration.ofMinutes(5));
        config.setExceptionOnErrorStatus(false);
        // On the server's own event loops, preferring a pooled connection of the loop the request arrived on: a
        // relayed request and its answer then stay on one thread instead of being handed to a client thread and
        // back, two wake-ups each.
        config.setEventLoopGroup("default");
        config.getConnectionPoolConfiguration().setConnectionLocality(ConnectionLocality.PREFERRED);
        // Requests carry the provider's absolute URI; there is no service to balance. Built by the registry, the
        // client would take any @ClientFilter that matches every client: there is none, and one that adds
        // credentials of ours must name its clients, or providers would receive them.
        return clients.resolveProxyHttpClient(null, LoadBalancer.empty(), config, context);
    }

    /**
     * The JDK's client, for the provider calls that are one request and one answer (minting a provider's own
     * ephemeral key, the WebRTC SDP exchange). Realtime sessions use {@link UpstreamConnector}.
     */
    @Singleton
    @Named("upstream-jdk")
    HttpClient webSocketClient(RelayConfiguration relay) {
        return HttpClient.newBuilder()
                .followRedirects(HttpClient.Redirect.NEVER)
                .connectTimeout(relay.upstreamTimeout())
                .build();
    }
}

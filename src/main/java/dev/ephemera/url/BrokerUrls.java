package dev.ephemera.url;

import io.micronaut.context.BeanProvider;
import io.micronaut.context.annotation.Context;
import io.micronaut.context.annotation.Value;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.runtime.server.EmbeddedServer;
import java.net.URI;

/**
 * The broker's public base URL: {@code ephemera.issuer} when set (it must be, behind an ingress), else this
 * server's own URL. Never taken from the request's {@code Host}, which the client controls.
 */
@Context
public final class BrokerUrls {

    private final String configured;
    private final BeanProvider<EmbeddedServer> server;
    /** The server's own URL, once it runs (its port is known only then); read on every mint. */
    private volatile String own;

    BrokerUrls(@Value("${ephemera.issuer:}") @Nullable String configured, BeanProvider<EmbeddedServer> server) {
        if (configured != null && !configured.isBlank()) {
            URI uri = URI.create(configured);
            if (uri.getScheme() == null || uri.getHost() == null || !(uri.getScheme().equals("https")
                    || uri.getScheme().equals("http")) || uri.getQuery() != null || uri.getFragment() != null) {
                throw new IllegalStateException("ephemera.issuer must be an http(s) URL without query, was "
                        + configured);
            }
        }
        this.configured = configured == null || configured.isBlank() ? null : stripSlash(configured);
        this.server = server;
    }

    /** The {@code iss} of minted JWTs and the base of every URL the broker hands out. */
    public String issuer() {
        if (configured != null) {
            return configured;
        }
        String known = own;
        if (known != null) {
            return known;
        }
        EmbeddedServer s = server.get();
        String url = s.getScheme() + "://" + s.getHost() + ":" + s.getPort();
        if (s.isRunning()) {
            own = url;
        }
        return url;
    }

    /** The same base with {@code ws}/{@code wss} for WebSocket URLs. */
    public String websocketBase() {
        String base = issuer();
        return base.startsWith("https://") ? "wss://" + base.substring(8) : "ws://" + base.substring(7);
    }

    private static String stripSlash(String s) {
        return s.endsWith("/") ? s.substring(0, s.length() - 1) : s;
    }
}

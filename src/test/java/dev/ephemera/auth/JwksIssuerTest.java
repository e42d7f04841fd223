package dev.ephemera.auth;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.jwk.JWKSet;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import dev.ephemera.support.Broker;
import dev.ephemera.support.TestIssuer;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.MediaType;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * An issuer configured by JWKS URL: keys fetched from it, cached, not re-fetched for every unknown kid, and never
 * from where a redirect points.
 */
class JwksIssuerTest {

    private final TestIssuer idp = new TestIssuer();

    @Test
    void fetchesTheIssuersKeysOnceAndRefusesUnknownKidsWithoutHammeringIt() throws Exception {
        AtomicInteger fetches = new AtomicInteger();
        HttpServer jwks = serve(Map.of("/jwks.json", keys(fetches)));
        try (Broker broker = Broker.inMemory(config(jwks))) {
            for (int i = 0; i < 3; i++) {
                assertThat(mint(broker, idp.user("alice" + i))).isEqualTo(201);
            }
            assertThat(fetches.get()).isEqualTo(1);
            for (int i = 0; i < 20; i++) {
                assertThat(mint(broker, idp.user("eve", h -> h.keyID("unknown-" + System.nanoTime()), c -> { })))
                        .isEqualTo(401);
            }
            // Nimbus's rate limit lets one refresh follow a fetch at once (a key just rotated), then none for 30 s.
            assertThat(fetches.get()).as("twenty unknown kids: at most one refresh in 30 s").isEqualTo(2);
        } finally {
            jwks.stop(0);
        }
    }

    /** A JWKS URL that redirects is not followed: the keys it points to are never fetched, nor trusted. */
    @Test
    void aJwksThatRedirectsIsNotFollowed() throws Exception {
        AtomicInteger followed = new AtomicInteger();
        HttpServer jwks = serve(Map.of("/jwks.json", exchange -> {
            exchange.getResponseHeaders().add("Location", "/elsewhere.json");
            exchange.sendResponseHeaders(302, -1);
            exchange.close();
        }, "/elsewhere.json", keys(followed)));
        try (Broker broker = Broker.inMemory(config(jwks))) {
            assertThat(mint(broker, idp.user("alice"))).isEqualTo(401);
            assertThat(followed.get()).isZero();
        } finally {
            jwks.stop(0);
        }
    }

    /** The issuer's public keys as a JWKS, counting each fetch. */
    private HttpHandler keys(AtomicInteger fetches) {
        byte[] body = new JWKSet(idp.userKey.toPublicJWK()).toString().getBytes(StandardCharsets.UTF_8);
        return exchange -> {
            fetches.incrementAndGet();
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        };
    }

    private static HttpServer serve(Map<String, HttpHandler> routes) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        routes.forEach(server::createContext);
        server.start();
        return server;
    }

    /** The test issuer with its keys at {@code jwks}'s {@code /jwks.json} instead of in the configuration. */
    private Map<String, Object> config(HttpServer jwks) {
        Map<String, Object> config = new HashMap<>(idp.brokerConfig());
        config.remove("ephemera.auth.issuers.app.public-keys");
        config.put("ephemera.auth.issuers.app.jwks-uri", "http://127.0.0.1:" + jwks.getAddress().getPort()
                + "/jwks.json");
        return config;
    }

    private static int mint(Broker broker, String jwt) {
        return broker.send(HttpRequest.POST("/realtime-token", "{}").contentType(MediaType.APPLICATION_JSON_TYPE)
                .header("Origin", "https://app.example.com").bearerAuth(jwt)).status();
    }
}

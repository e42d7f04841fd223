package dev.ephemera.auth;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.jwk.JWKSet;
import com.sun.net.httpserver.HttpServer;
import dev.ephemera.support.Broker;
import dev.ephemera.support.TestIssuer;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.MediaType;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** An issuer configured by JWKS URL: keys fetched from it, cached, and not re-fetched for every unknown kid. */
class JwksIssuerTest {

    @Test
    void fetchesTheIssuersKeysOnceAndRefusesUnknownKidsWithoutHammeringIt() throws Exception {
        TestIssuer idp = new TestIssuer();
        AtomicInteger fetches = new AtomicInteger();
        HttpServer jwks = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        byte[] body = new JWKSet(idp.userKey.toPublicJWK()).toString().getBytes(StandardCharsets.UTF_8);
        jwks.createContext("/jwks.json", exchange -> {
            fetches.incrementAndGet();
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        jwks.start();
        Map<String, Object> config = new java.util.HashMap<>(idp.brokerConfig());
        config.remove("ephemera.auth.issuers.app.public-keys");
        config.put("ephemera.auth.issuers.app.jwks-uri", "http://127.0.0.1:" + jwks.getAddress().getPort()
                + "/jwks.json");
        try (Broker broker = Broker.inMemory(config)) {
            for (int i = 0; i < 3; i++) {
                assertThat(mint(broker, idp.user("alice" + i))).isEqualTo(201);
            }
            assertThat(fetches.get()).isEqualTo(1);
            for (int i = 0; i < 5; i++) {
                assertThat(mint(broker, idp.user("eve", h -> h.keyID("unknown-" + System.nanoTime()), c -> { })))
                        .isEqualTo(401);
            }
            assertThat(fetches.get()).as("unknown kids refresh at most every 30 s").isEqualTo(1);
        } finally {
            jwks.stop(0);
        }
    }

    private static int mint(Broker broker, String jwt) {
        return broker.send(HttpRequest.POST("/realtime-token", "{}").contentType(MediaType.APPLICATION_JSON_TYPE)
                .header("Origin", "https://app.example.com").bearerAuth(jwt)).status();
    }
}

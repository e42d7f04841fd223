package dev.ephemera.relay;

import static org.awaitility.Awaitility.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ephemera.support.Broker;
import dev.ephemera.support.FakeUpstream;
import dev.ephemera.support.TestRedis;
import dev.ephemera.support.WsClient;
import java.net.http.WebSocketHandshakeException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Per-key caps on concurrent realtime sessions, and the WebSocket Origin allow-list. */
class SessionLimitsTest {

    @Test
    void keyAtItsSessionCapIsRefusedUntilASessionEnds() throws Exception {
        try (FakeUpstream fake = new FakeUpstream();
                Broker broker = Broker.onRedis(TestRedis.uri(), Map.of(
                        "ephemera.providers.openai.base-url", fake.base("openai"),
                        "ephemera.rate-limits.max-concurrent-sessions-per-key", 1))) {
            String key = broker.createKey("write");
            String ws = broker.url().replaceFirst("^http", "ws") + "/v1/realtime";
            WsClient first = WsClient.connect(ws, List.of("ephemera", "ephemera-token." + token(broker, key)),
                    Map.of());
            assertThatThrownBy(() -> WsClient.connect(ws, List.of("ephemera", "ephemera-token."
                    + token(broker, key)), Map.of()))
                    .hasCauseInstanceOf(WebSocketHandshakeException.class)
                    .satisfies(e -> assertThat(((WebSocketHandshakeException) e.getCause()).getResponse()
                            .statusCode()).isEqualTo(429));
            first.socket.sendClose(1000, "").get();
            first.closeCode.get(5, TimeUnit.SECONDS);
            // The place is given back as the session ends, just after the close: a new session opens soon.
            WsClient again = await().atMost(java.time.Duration.ofSeconds(10)).ignoreExceptions()
                    .until(() -> WsClient.connect(ws, List.of("ephemera", "ephemera-token." + token(broker, key)),
                            Map.of()), c -> true);
            again.socket.sendClose(1000, "").get();
        }
    }

    @Test
    void browserOnAnUnlistedOriginIsRefusedAndKeepsItsToken() throws Exception {
        try (FakeUpstream fake = new FakeUpstream();
                Broker broker = Broker.inMemory(Map.of("ephemera.providers.openai.base-url", fake.base("openai"),
                        "ephemera.cors.allowed-origins", List.of("https://app.example.com")))) {
            String key = broker.createKey("write", "read");
            String token = token(broker, key);
            String ws = broker.url().replaceFirst("^http", "ws") + "/v1/realtime";
            assertThatThrownBy(() -> WsClient.connect(ws, List.of("ephemera", "ephemera-token." + token),
                    Map.of("Origin", "https://evil.example")))
                    .satisfies(e -> assertThat(((WebSocketHandshakeException) e.getCause()).getResponse()
                            .statusCode()).isEqualTo(403));
            assertThat(broker.introspect(key, token).json()).containsEntry("active", true);
            WsClient listed = WsClient.connect(ws, List.of("ephemera", "ephemera-token." + token),
                    Map.of("Origin", "https://app.example.com"));
            listed.socket.sendClose(1000, "").get();
        }
    }

    private static String token(Broker broker, String key) {
        return broker.mint(key, Map.of("provider", "openai")).string("value");
    }
}

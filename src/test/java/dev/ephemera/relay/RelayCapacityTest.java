package dev.ephemera.relay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ephemera.support.Broker;
import dev.ephemera.support.BrokerExtension;
import dev.ephemera.support.WsClient;
import io.micronaut.http.HttpRequest;
import java.net.http.WebSocketHandshakeException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * SPEC §6, §10: a replica holds at most {@code ephemera.relay.max-sessions} realtime sessions; past it a handshake
 * is refused with {@code 503 relay_at_capacity} and {@code Retry-After} before the token is used.
 */
class RelayCapacityTest {

    @RegisterExtension
    static final BrokerExtension ENV = BrokerExtension.onRedis().withFakeProvider()
            .with("ephemera.relay.max-sessions", 2);

    @Test
    void pastItsMaximumAReplicaRefusesNewSessionsWithoutUsingTheToken() throws Exception {
        Broker broker = ENV.broker();
        String key = ENV.secret(broker.createKey("write", "read"));
        String ws = broker.url().replaceFirst("^http", "ws") + "/v1/realtime";
        WsClient first = WsClient.connect(ws, List.of("ephemera", "ephemera-token." + token(broker, key)), Map.of());
        WsClient second = WsClient.connect(ws, List.of("ephemera", "ephemera-token." + token(broker, key)),
                Map.of());
        String third = token(broker, key);
        Throwable refused = org.assertj.core.api.Assertions.catchThrowable(() -> WsClient.connect(ws,
                List.of("ephemera", "ephemera-token." + third), Map.of()));
        var response = ((WebSocketHandshakeException) refused.getCause()).getResponse();
        assertThat(response.statusCode()).isEqualTo(503);
        assertThat(response.headers().firstValue("Retry-After")).hasValue("5");
        assertThat(String.valueOf(response.body())).contains("relay_at_capacity");
        assertThat(broker.introspect(key, third).json()).containsEntry("active", true);
        assertThat(broker.send(HttpRequest.GET("/v1/realtime").bearerAuth(third)).code())
                .isEqualTo("relay_at_capacity");

        first.socket.sendClose(1000, "").get();
        WsClient now = await().atMost(Duration.ofSeconds(10)).ignoreExceptions().until(() -> WsClient.connect(ws,
                List.of("ephemera", "ephemera-token." + third), Map.of()), c -> true);
        now.socket.sendClose(1000, "").get();
        second.socket.sendClose(1000, "").get();
    }

    /** A replica that cannot hold its max-sessions says so at start-up, naming the limit that is short. */
    @Test
    void aMaximumThisProcessCannotHoldIsNamedAtStartUp() {
        long mb = 1024 * 1024;
        assertThat(RelayCapacity.warnIfUnsized(10_000, 256 * mb, 65_536)).isEmpty();
        assertThat(RelayCapacity.warnIfUnsized(10_000, 256 * mb, 20_000)).hasValueSatisfying(w -> assertThat(w)
                .contains("max-sessions=10000").contains("open files limit 20000 (needs 20512)")
                .doesNotContain("heap"));
        assertThat(RelayCapacity.warnIfUnsized(10_000, 128 * mb, 65_536)).hasValueSatisfying(w -> assertThat(w)
                .contains("heap 128 MB").doesNotContain("open files"));
        assertThat(RelayCapacity.warnIfUnsized(5_000, 128 * mb, -1)).isEmpty();
    }

    private static String token(Broker broker, String key) {
        return ENV.secret(broker.mint(key, Map.of("provider", "openai")).string("value"));
    }
}

package dev.ephemera.relay;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ephemera.support.Broker;
import dev.ephemera.support.BrokerExtension;
import dev.ephemera.support.WsClient;
import io.micronaut.http.HttpRequest;
import java.net.http.WebSocketHandshakeException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * SPEC §8's drain, in process (ShutdownTest sends the real SIGTERM): readiness DOWN at once, open sessions told
 * with 1001, new ones refused with {@code 503 draining}, and the drain over as soon as the last session ended.
 */
class DrainTest {

    @RegisterExtension
    static final BrokerExtension ENV = BrokerExtension.onRedis().withFakeProvider()
            .with("ephemera.relay.drain-period", "20s");

    @Test
    void drainingTellsOpenSessionsRefusesNewOnesAndEndsWhenTheyHaveEnded() throws Exception {
        Broker broker = ENV.broker();
        String key = ENV.secret(broker.createKey("write", "read"));
        String ws = broker.url().replaceFirst("^http", "ws") + "/v1/realtime";
        WsClient open = WsClient.connect(ws, List.of("ephemera", "ephemera-token." + token(broker, key)), Map.of());
        String later = token(broker, key);
        Drain drain = broker.context().getBean(Drain.class);

        long started = System.nanoTime();
        CompletableFuture<Integer> left = CompletableFuture.supplyAsync(() -> {
            try {
                return drain.start();
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        assertThat(open.closeCode.get(5, TimeUnit.SECONDS)).isEqualTo(1001);
        assertThat(left.get(10, TimeUnit.SECONDS)).as("sessions open when the drain ended").isZero();
        assertThat(TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - started)).as("not the 20 s period")
                .isLessThan(5);
        assertThat(broker.get("/health/readiness", null).status()).isEqualTo(503);
        Throwable refused = org.assertj.core.api.Assertions.catchThrowable(() -> WsClient.connect(ws,
                List.of("ephemera", "ephemera-token." + later), Map.of()));
        var response = ((WebSocketHandshakeException) refused.getCause()).getResponse();
        assertThat(response.statusCode()).isEqualTo(503);
        assertThat(String.valueOf(response.body())).contains("draining");
        assertThat(broker.send(HttpRequest.GET("/v1/realtime").bearerAuth(later)).code()).isEqualTo("draining");
        assertThat(broker.introspect(key, later).json()).as("the refused token keeps its use")
                .containsEntry("active", true);
    }

    private static String token(Broker broker, String key) {
        return ENV.secret(broker.mint(key, Map.of("provider", "openai")).string("value"));
    }
}

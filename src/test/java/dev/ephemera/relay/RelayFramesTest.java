package dev.ephemera.relay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ephemera.support.Broker;
import dev.ephemera.support.BrokerExtension;
import dev.ephemera.support.WsClient;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** SPEC §7, §10: message sizes and close codes through the realtime relay. */
class RelayFramesTest {

    @RegisterExtension
    static final BrokerExtension ENV = BrokerExtension.onRedis().withFakeProvider()
            .with("ephemera.relay.max-frame-bytes", "64KiB");

    @BeforeEach
    void reset() {
        ENV.fake().recorder().reset();
    }

    private WsClient open() throws Exception {
        Broker broker = ENV.broker();
        String key = ENV.secret(broker.createKey("write"));
        String token = ENV.secret(broker.mint(key, Map.of("provider", "openai")).string("value"));
        return WsClient.connect(broker.url().replaceFirst("^http", "ws") + "/v1/realtime",
                List.of("ephemera", "ephemera-token." + token), Map.of());
    }

    private static String event(int padding) {
        return "{\"type\":\"input_audio_buffer.append\",\"audio\":\"" + "A".repeat(padding) + "\"}";
    }

    @Test
    void aMessageOverMaxFrameBytesEndsTheSessionWith1009() throws Exception {
        WsClient client = open();
        client.socket.sendText(event(100 * 1024), true).get();
        assertThat(client.closeCode.get(5, TimeUnit.SECONDS)).isEqualTo(1009);
        assertThat(ENV.fake().recorder().frames).noneMatch(f -> f.length() > 64 * 1024);
    }

    @Test
    void aFragmentedMessageUnderTheLimitPassesWhole() throws Exception {
        WsClient client = open();
        String whole = event(60 * 1024);
        client.socket.sendText(whole.substring(0, 1000), false).get();
        client.socket.sendText(whole.substring(1000, 30_000), false).get();
        client.socket.sendText(whole.substring(30_000), true).get();
        assertThat(client.next().text()).isEqualTo(whole);
        client.socket.sendClose(1000, "").get();
    }

    @Test
    void aNormalCloseReachesTheProviderAs1000() throws Exception {
        WsClient client = open();
        client.socket.sendText(RealtimeRelayTest.PING, true).get();
        client.next();
        client.socket.sendClose(1000, "done").get();
        await().atMost(Duration.ofSeconds(10)).until(() -> !ENV.fake().recorder().closeCodes.isEmpty());
        assertThat(ENV.fake().recorder().closeCodes).containsOnly(1000);
        assertThat(client.closeCode.get(5, TimeUnit.SECONDS)).as("the client's close is answered").isEqualTo(1000);
    }
}

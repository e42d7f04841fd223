package dev.ephemera.relay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ephemera.support.Broker;
import dev.ephemera.support.BrokerExtension;
import dev.ephemera.support.RawWebSocket;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * SPEC §7, the other direction: a client that stops reading while its provider streams gets at most
 * {@code max-buffered-bytes} queued in the broker towards it (beyond that the relay stops reading the provider),
 * and the session ends with 1011 once the client has taken nothing for {@code upstream-timeout}.
 */
class RelayClientStallTest {

    private static final int MESSAGES = 1000;
    private static final long MESSAGE_BYTES = 64 * 1024;

    @RegisterExtension
    static final BrokerExtension ENV = BrokerExtension.onRedis().withFakeProvider()
            .with("ephemera.relay.max-buffered-bytes", "1MiB")
            .with("ephemera.relay.upstream-timeout", "2s");

    @Test
    void aClientThatStopsReadingStopsTheProviderAndEndsWith1011() throws Exception {
        Broker broker = ENV.broker();
        String key = ENV.secret(broker.createKey("write"));
        String token = ENV.secret(broker.mint(key, Map.of("provider", "openai")).string("value"));
        try (RawWebSocket socket = RawWebSocket.open(broker.url(), token, "", 64 * 1024)) {
            assertThat(socket.head).startsWith("HTTP/1.1 101");
            socket.sendText("{\"type\":\"fake.flood\",\"messages\":" + MESSAGES + "}");

            // The provider writes what the broker reads; the broker stops reading once 1 MiB waits for us.
            await().atMost(Duration.ofSeconds(10)).until(() -> ENV.fake().recorder().closeCodes.contains(1000));
            long written = ENV.fake().recorder().floodBytesWritten.get();
            assertThat(written).as("what the provider got written before the session ended")
                    .isLessThan(MESSAGES * MESSAGE_BYTES / 2);

            long data = 0;
            RawWebSocket.Frame frame;
            while (!(frame = socket.read()).isClose()) {
                data += frame.payload().length;
            }
            assertThat(frame.closeCode()).isEqualTo(1011);
            assertThat(frame.closeReason()).isEqualTo("the client stopped reading");
            org.slf4j.LoggerFactory.getLogger(RelayClientStallTest.class).info(
                    "client stall: the provider got {} KiB written, the client received {} KiB before 1011",
                    written / 1024, data / 1024);
            assertThat(data).isLessThanOrEqualTo(written);
        }
    }
}

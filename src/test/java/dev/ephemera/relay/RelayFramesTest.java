package dev.ephemera.relay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ephemera.support.Broker;
import dev.ephemera.support.BrokerExtension;
import dev.ephemera.support.RawWebSocket;
import dev.ephemera.support.Scrape;
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

    private static String token() {
        Broker broker = ENV.broker();
        String key = ENV.secret(broker.createKey("write"));
        return ENV.secret(broker.mint(key, Map.of("provider", "openai")).string("value"));
    }

    private WsClient open() throws Exception {
        Broker broker = ENV.broker();
        String token = token();
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

    @Test
    void aProviderMessageInFragmentsReachesTheClientWhole() throws Exception {
        WsClient client = open();
        String event = "{\"type\":\"fake.fragmented\",\"audio\":\"" + "B".repeat(30_000) + "\"}";
        client.socket.sendText(event, true).get();
        assertThat(client.next().text()).isEqualTo(event);
        client.socket.sendClose(1000, "").get();
    }

    @Test
    void aProviderMessageOverMaxFrameBytesEndsTheSessionWith1009() throws Exception {
        WsClient client = open();
        client.socket.sendText("{\"type\":\"fake.large\",\"bytes\":" + (100 * 1024) + "}", true).get();
        assertThat(client.closeCode.get(5, TimeUnit.SECONDS)).isEqualTo(1009);
        assertThat(client.messages).isEmpty();
    }

    @Test
    void binaryMessagesPassBothWaysAsBinary() throws Exception {
        WsClient client = open();
        byte[] audio = "{\"type\":\"input_audio_buffer.append\",\"audio\":\"AAAA\"}".getBytes(
                java.nio.charset.StandardCharsets.UTF_8);
        client.socket.sendBinary(java.nio.ByteBuffer.wrap(audio), true).get();
        WsClient.Message echoed = client.next();
        assertThat(echoed.text()).isNull();
        assertThat(echoed.bytes()).isEqualTo(audio);
        client.socket.sendClose(1000, "").get();
    }

    @Test
    void theProvidersCloseCodeAndReasonReachTheClient() throws Exception {
        WsClient client = open();
        client.socket.sendText("{\"type\":\"fake.close\",\"code\":4001}", true).get();
        assertThat(client.closeCode.get(5, TimeUnit.SECONDS)).isEqualTo(4001);
        assertThat(client.closeReason.get(5, TimeUnit.SECONDS)).isEqualTo("asked to close");
        // The session ends once: the open-sessions gauge comes back to where it was, not below it.
        await().atMost(Duration.ofSeconds(5)).until(() -> Scrape.of(ENV.broker())
                .value("ephemera_relay_sessions_active") <= 0);
        Thread.sleep(200);
        assertThat(Scrape.of(ENV.broker()).value("ephemera_relay_sessions_active")).isZero();
    }

    /**
     * The relay negotiates no WebSocket extension with the client: permessage-deflate would cost every session a
     * compressor's memory, and a small compressed frame could inflate past every limit before one applies.
     */
    @Test
    void permessageDeflateIsNotNegotiated() throws Exception {
        try (RawWebSocket socket = RawWebSocket.open(ENV.broker().url(), token(),
                "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n", 0)) {
            assertThat(socket.head).startsWith("HTTP/1.1 101");
            assertThat(socket.head.toLowerCase(java.util.Locale.ROOT)).doesNotContain("sec-websocket-extensions");
            // Closed as a client should, so that the provider hears 1000 now, not 1011 during the next test.
            socket.closeNormally();
        }
    }
}

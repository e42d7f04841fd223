package dev.ephemera.relay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ephemera.support.Broker;
import dev.ephemera.support.BrokerExtension;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
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
        URI url = URI.create(broker.url());
        try (Socket socket = new Socket(url.getHost(), url.getPort())) {
            socket.setReceiveBufferSize(64 * 1024);
            socket.setSoTimeout(20_000);
            OutputStream out = socket.getOutputStream();
            out.write(("GET /v1/realtime HTTP/1.1\r\nHost: " + url.getAuthority() + "\r\nUpgrade: websocket\r\n"
                    + "Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
                    + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                    + "Sec-WebSocket-Protocol: ephemera, ephemera-token." + token + "\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            DataInputStream in = new DataInputStream(socket.getInputStream());
            assertThat(readHead(in)).startsWith("HTTP/1.1 101");
            writeMaskedText(out, "{\"type\":\"fake.flood\",\"messages\":" + MESSAGES + "}");

            // The provider writes what the broker reads; the broker stops reading once 1 MiB waits for us.
            await().atMost(Duration.ofSeconds(10)).until(() -> ENV.fake().recorder().closeCodes.contains(1000));
            long written = ENV.fake().recorder().floodBytesWritten.get();
            assertThat(written).as("what the provider got written before the session ended")
                    .isLessThan(MESSAGES * MESSAGE_BYTES / 2);

            long data = 0;
            int closeCode = -1;
            while (closeCode == -1) {
                int opcode = in.readUnsignedByte() & 0x0f;
                int second = in.readUnsignedByte();
                long length = second & 0x7f;
                if (length == 126) {
                    length = in.readUnsignedShort();
                } else if (length == 127) {
                    length = in.readLong();
                }
                byte[] payload = in.readNBytes((int) length);
                if (opcode == 8) {
                    closeCode = ((payload[0] & 0xff) << 8) | (payload[1] & 0xff);
                    assertThat(new String(payload, 2, payload.length - 2, StandardCharsets.UTF_8))
                            .isEqualTo("the client stopped reading");
                } else {
                    data += length;
                }
            }
            assertThat(closeCode).isEqualTo(1011);
            org.slf4j.LoggerFactory.getLogger(RelayClientStallTest.class).info(
                    "client stall: the provider got {} KiB written, the client received {} KiB before 1011",
                    written / 1024, data / 1024);
            assertThat(data).isLessThanOrEqualTo(written);
        }
    }

    private static String readHead(InputStream in) throws IOException {
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b == -1) {
                throw new EOFException("the handshake's answer ended early: " + head);
            }
            head.append((char) b);
        }
        return head.toString();
    }

    /** A client's text frame: masked, as RFC 6455 requires, with the all-zero key (the payload goes as it is). */
    private static void writeMaskedText(OutputStream out, String text) throws IOException {
        byte[] payload = text.getBytes(StandardCharsets.UTF_8);
        out.write(new byte[] {(byte) 0x81, (byte) (0x80 | payload.length), 0, 0, 0, 0});
        out.write(payload);
        out.flush();
    }
}

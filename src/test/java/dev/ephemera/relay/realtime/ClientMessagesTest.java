package dev.ephemera.relay.realtime;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A client's frames joined into messages: no extension is negotiated, so a frame with a reserved bit set (RFC 6455
 * §5.2) fails the connection with 1002 and is never read as a message.
 */
class ClientMessagesTest {

    private final List<String> messages = new ArrayList<>();
    private final List<Integer> failures = new ArrayList<>();
    private final ClientMessages joined = new ClientMessages(1 << 20, new ClientMessages.Sink() {
        @Override
        public void message(byte[] bytes, boolean binary) {
            messages.add(new String(bytes, StandardCharsets.UTF_8));
        }

        @Override
        public void failed(int closeCode, String reason) {
            failures.add(closeCode);
        }
    });

    private static WebSocketFrame text(int rsv, String text) {
        return new TextWebSocketFrame(true, rsv, Unpooled.copiedBuffer(text, StandardCharsets.UTF_8));
    }

    @Test
    void aFrameWithAReservedBitSetFailsTheConnection() {
        for (int rsv : new int[] {1, 2, 4}) {
            WebSocketFrame frame = text(rsv, "{\"type\":\"response.create\"}");
            try {
                joined.accept(frame);
            } finally {
                frame.release();
            }
        }
        assertThat(messages).isEmpty();
        assertThat(failures).containsExactly(1002, 1002, 1002);

        WebSocketFrame plain = text(0, "{\"type\":\"response.create\"}");
        try {
            joined.accept(plain);
        } finally {
            plain.release();
        }
        assertThat(messages).containsExactly("{\"type\":\"response.create\"}");
    }
}

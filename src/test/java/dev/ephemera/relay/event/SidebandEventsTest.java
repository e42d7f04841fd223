package dev.ephemera.relay.event;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.websocketx.ContinuationWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What a sideband's reader makes of the session's own events, which the relay's reader leaves alone. */
class SidebandEventsTest {

    private static TextWebSocketFrame text(String s) {
        return new TextWebSocketFrame(Unpooled.copiedBuffer(s, StandardCharsets.UTF_8));
    }

    @Test
    void theSessionsReportsAndSecondsAreReadOnlyBySidebands() {
        ProviderEvents sideband = ProviderEvents.withSessionEvents(1 << 20);
        ProviderEvents relay = new ProviderEvents(1 << 20);
        for (String type : new String[] {"session.updated", "session.created", "session.started"}) {
            String event = "{\"type\":\"" + type + "\",\"session\":{\"instructions\":\"Hi.\"}}";
            assertThat(sideband.read(text(event))).isEqualTo(new ProviderEvents.SessionState(
                    Map.of("instructions", "Hi."), !type.equals("session.updated")));
            assertThat(relay.read(text(event))).isNull();
        }
        assertThat(sideband.read(text("{\"type\":\"session.usage.updated\",\"usage\":{\"seconds\":12.5}}")))
                .isEqualTo(new ProviderEvents.SecondsUsed(12.5));
        assertThat(relay.read(text("{\"type\":\"session.usage.updated\",\"usage\":{\"seconds\":12.5}}"))).isNull();
    }

    @Test
    void theParsedTypeDecidesNotTheText() {
        ProviderEvents sideband = ProviderEvents.withSessionEvents(1 << 20);
        assertThat(sideband.read(text("{\"type\":\"conversation.item.added\",\"item\":{\"text\":"
                + "\"session.updated\",\"session\":{}}}"))).isNull();
        assertThat(sideband.read(text("{\"type\":\"session.updated\",\"session\":\"not an object\"}"))).isNull();
        assertThat(sideband.read(text("{\"type\":\"session.updated\",\"type\":\"x\",\"session\":{}}")))
                .as("duplicate keys: unparsable").isNull();
        assertThat(sideband.read(text("{\"type\":\"session.usage.updated\",\"usage\":{\"seconds\":-1}}"))).isNull();
        assertThat(sideband.read(text("{\"type\":\"session.usage.updated\",\"usage\":{\"seconds\":\"9\"}}")))
                .isNull();
    }

    @Test
    void aReportInFragmentsIsReadWhole() {
        ProviderEvents sideband = ProviderEvents.withSessionEvents(1 << 20);
        String event = "{\"type\":\"session.updated\",\"session\":{\"voice\":\"alloy\"}}";
        assertThat(sideband.read(new TextWebSocketFrame(false, 0, Unpooled.copiedBuffer(event.substring(0, 10),
                StandardCharsets.UTF_8)))).isNull();
        assertThat(sideband.read(new ContinuationWebSocketFrame(true, 0, Unpooled.copiedBuffer(event.substring(10),
                StandardCharsets.UTF_8)))).isEqualTo(new ProviderEvents.SessionState(Map.of("voice", "alloy"), false));
    }
}

package dev.ephemera.devprovider;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The echo provider's realtime session by itself, on an embedded channel: what it answers, and that nothing a
 * client sends piles up in it (session fields are bounded, a long message gets a bounded answer).
 */
class EchoRealtimeTest {

    private final EmbeddedChannel channel = new EmbeddedChannel(new EchoRealtime("echo-realtime"));

    private List<String> send(String event) {
        channel.writeInbound(new TextWebSocketFrame(event));
        List<String> out = new ArrayList<>();
        for (Object frame = channel.readOutbound(); frame != null; frame = channel.readOutbound()) {
            TextWebSocketFrame text = (TextWebSocketFrame) frame;
            out.add(text.text());
            text.release();
        }
        return out;
    }

    @Test
    void answersWhatItWasToldWithUsageAndRefusesWhatItDoesNotKnow() {
        assertThat(send("{\"type\":\"conversation.item.create\",\"item\":{\"type\":\"message\",\"role\":\"user\","
                + "\"content\":[{\"type\":\"input_text\",\"text\":\"one two\"}]}}")).singleElement().asString()
                .contains("conversation.item.added", "one two");
        List<String> response = send("{\"type\":\"response.create\"}");
        assertThat(response).hasSize(7);
        assertThat(response.getLast()).contains("\"status\":\"completed\"", "\"input_tokens\":2",
                "\"output_tokens\":4", "\"total_tokens\":6");
        assertThat(send("{\"type\":\"no.such.event\"}")).singleElement().asString()
                .contains("\"type\":\"error\"", "unknown_event");
        assertThat(send("not json")).singleElement().asString().contains("invalid_json");
    }

    @Test
    void sessionFieldsAreBounded() {
        StringBuilder many = new StringBuilder("{\"type\":\"session.update\",\"session\":{");
        for (int i = 0; i < EchoRealtime.MAX_FIELDS; i++) {
            many.append(i == 0 ? "" : ",").append("\"f").append(i).append("\":1");
        }
        assertThat(send(many.append("}}").toString())).singleElement().asString().contains("invalid_value");
        assertThat(send("{\"type\":\"session.update\",\"session\":{\"instructions\":\"Be brief.\"}}"))
                .singleElement().asString().contains("session.updated", "Be brief.");
    }

    @Test
    void aLongMessageGetsABoundedAnswer() {
        send("{\"type\":\"conversation.item.create\",\"item\":{\"type\":\"message\",\"role\":\"user\",\"content\":"
                + "[{\"type\":\"input_text\",\"text\":\"" + "a ".repeat(50_000) + "\"}]}}");
        List<String> response = send("{\"type\":\"response.create\"}");
        assertThat(response.getLast()).contains("\"status\":\"incomplete\"", "\"output_tokens\":" + Echo.MAX_WORDS,
                "\"input_tokens\":50000");
        assertThat(response).hasSize(Echo.MAX_WORDS + 3);
    }
}

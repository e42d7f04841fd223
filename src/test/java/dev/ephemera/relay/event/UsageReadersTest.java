package dev.ephemera.relay.event;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ephemera.json.StrictJson;

import dev.ephemera.session.Usage;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.ContinuationWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The usage readers of SPEC §11, frame and byte level: the parsed event decides, never the raw text. */
class UsageReadersTest {

    private static final String DONE = "{\"type\":\"response.done\",\"response\":{\"usage\":{\"total_tokens\":30,"
            + "\"input_tokens\":20,\"output_tokens\":10,\"input_token_details\":{\"cached_tokens\":4}}}}";

    private static TextWebSocketFrame text(String s) {
        return new TextWebSocketFrame(Unpooled.copiedBuffer(s, StandardCharsets.UTF_8));
    }

    @Test
    void aResponseDoneIsReadWholeOrInFragmentsAndNothingElseCounts() {
        ProviderEvents events = new ProviderEvents(1 << 20);
        assertThat(events.usage(text(DONE))).isEqualTo(new Usage(20, 10, 30, 4, 0, 0, 0, 0, 1, 0, 0));
        // The event's name in a transcript, a delta with "response" and "done" apart, binary frames: no usage.
        assertThat(events.usage(text("{\"type\":\"response.output_text.delta\",\"delta\":\"response.done\"}")))
                .isNull();
        assertThat(events.usage(text("{\"type\":\"response.created\",\"note\":\"response. done\"}"))).isNull();
        assertThat(events.usage(new BinaryWebSocketFrame(Unpooled.copiedBuffer(DONE, StandardCharsets.UTF_8))))
                .isNull();
        assertThat(events.usage(text("{\"type\":\"response.done\",\"response\":{\"usage\":{\"input_tokens\":-5,"
                + "\"output_tokens\":1.5}}}"))).as("counts that are not whole non-negative numbers").isNull();
        assertThat(events.usage(text(DONE.replace("}}}}", "}}},\"type\":\"x\"}")))).as("duplicate key").isNull();
        int third = DONE.length() / 3;
        assertThat(events.usage(new TextWebSocketFrame(false, 0, Unpooled.copiedBuffer(DONE.substring(0, third),
                StandardCharsets.UTF_8)))).isNull();
        assertThat(events.usage(new ContinuationWebSocketFrame(false, 0, DONE.substring(third, 2 * third))))
                .isNull();
        assertThat(events.usage(new ContinuationWebSocketFrame(true, 0, DONE.substring(2 * third))))
                .isEqualTo(new Usage(20, 10, 30, 4, 0, 0, 0, 0, 1, 0, 0));
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3, 7, 64})
    void aStreamIsReadWhateverItsChunksAndTheHighestCountsWin(int chunk) {
        String stream = "event: message_start\r\ndata: {\"type\":\"message_start\",\"message\":{\"usage\":"
                + "{\"input_tokens\":25,\"output_tokens\":1}}}\r\n\r\n"
                + "data: {\"type\":\"content_block_delta\",\"delta\":{\"text\":\"usage: 999\"}}\n\n"
                + ": a comment\n"
                + "data: {\"type\":\"message_delta\",\n"
                + "data: \"usage\":{\"output_tokens\":15}}\n\n"
                + "data: [DONE]\n\n";
        HttpUsage reader = HttpUsage.forContentType("text/event-stream; charset=utf-8");
        byte[] bytes = stream.getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < bytes.length; i += chunk) {
            reader.accept(java.util.Arrays.copyOfRange(bytes, i, Math.min(bytes.length, i + chunk)));
        }
        assertThat(reader.finish()).isEqualTo(Usage.ofResponse(25, 15, 40, 0, 0, 0));
    }

    @Test
    void aJsonBodyTooLargeToReadReportsNoUsageAndOtherTypesAreNotRead() {
        HttpUsage reader = HttpUsage.forContentType("application/json");
        reader.accept(("{\"pad\":\"" + "x".repeat(HttpUsage.LIMIT) + "\",").getBytes(StandardCharsets.UTF_8));
        reader.accept("\"usage\":{\"prompt_tokens\":5,\"completion_tokens\":1}}".getBytes(StandardCharsets.UTF_8));
        assertThat(reader.finish()).isNull();
        assertThat(HttpUsage.forContentType("audio/mpeg")).isNull();
        assertThat(HttpUsage.forContentType(null)).isNull();
        HttpUsage gemini = HttpUsage.forContentType("application/json");
        gemini.accept(("[{\"usageMetadata\":{\"promptTokenCount\":4,\"candidatesTokenCount\":1}},"
                + "{\"usageMetadata\":{\"promptTokenCount\":4,\"candidatesTokenCount\":3,\"totalTokenCount\":7}}]")
                .getBytes(StandardCharsets.UTF_8));
        assertThat(gemini.finish()).isEqualTo(Usage.ofResponse(4, 3, 7, 0, 0, 0));
    }

    @Test
    void theOutputBudgetCapsResponsesAndLeavesOtherEventsAlone() {
        assertThat(capped("{\"type\":\"response.create\",\"event_id\":\"e\"}", 30)).isEqualTo(
                "{\"type\":\"response.create\",\"event_id\":\"e\",\"response\":{\"max_output_tokens\":30}}");
        assertThat(capped("{\"type\":\"response.create\",\"response\":{\"max_output_tokens\":\"inf\"}}", 30))
                .contains(":30}");
        assertThat(capped("{\"type\":\"response.create\",\"response\":{\"max_output_tokens\":10}}", 30))
                .contains(":10}");
        assertThat(capped("{\"type\":\"session.update\",\"session\":{\"max_response_output_tokens\":4096}}", 0))
                .contains(":1}");
        assertThat(capped("{\"type\":\"session.update\",\"session\":{\"max_output_tokens\":\"inf\"}}", 7))
                .contains("\"max_output_tokens\":7");
        Map<String, Object> audio = parsed("{\"type\":\"input_audio_buffer.append\",\"audio\":\"AAAA\"}");
        assertThat(OutputBudget.capped(audio, "input_audio_buffer.append", 30)).isSameAs(audio);
        Map<String, Object> low = parsed("{\"type\":\"response.create\",\"response\":{\"max_output_tokens\":5}}");
        assertThat(OutputBudget.capped(low, "response.create", 30)).as("a lower limit stays").isSameAs(low);
    }

    @Test
    void theOutputBudgetJudgesTheDecodedEventNotItsSpelling() {
        // What the provider's parser reads: escapes in the type and in field names are the same event and field.
        assertThat(capped("{\"type\":\"response\\u002ecreate\",\"response\":{\"max_output\\u005ftokens\":\"inf\"}}",
                30)).isEqualTo("{\"type\":\"response.create\",\"response\":{\"max_output_tokens\":30}}");
        assertThat(capped("{\"type\":\"session\\u002eupdate\",\"session\":{\"max_response_output_tokens\":\"inf\"}}",
                1000)).contains("\"max_response_output_tokens\":1000");
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> parsed(String event) {
        return (Map<String, Object>) StrictJson.parse(event.getBytes(StandardCharsets.UTF_8)).orElseThrow();
    }

    private static String capped(String event, long cap) {
        Map<String, Object> parsed = parsed(event);
        return new String(StrictJson.write(OutputBudget.capped(parsed, (String) parsed.get("type"), cap)),
                StandardCharsets.UTF_8);
    }
}

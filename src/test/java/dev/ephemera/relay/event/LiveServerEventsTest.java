package dev.ephemera.relay.event;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ephemera.session.Usage;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.ContinuationWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** What the Live API's server messages say of turns and their usage ({@link LiveServerEvents}). */
class LiveServerEventsTest {

    private static final String AUDIO = "{\"serverContent\":{\"modelTurn\":{\"parts\":[{\"inlineData\":{\"mimeType\":"
            + "\"audio/pcm;rate=24000\",\"data\":\"" + "QUFB".repeat(2000) + "\"}}]}}}";
    private static final String COMPLETE = "{\"serverContent\":{\"turnComplete\":true}}";
    private static final String USAGE = "{\"usageMetadata\":{\"promptTokenCount\":120,\"responseTokenCount\":40,"
            + "\"totalTokenCount\":160,\"promptTokensDetails\":[{\"modality\":\"TEXT\",\"tokenCount\":20},"
            + "{\"modality\":\"AUDIO\",\"tokenCount\":100}],\"responseTokensDetails\":[{\"modality\":\"AUDIO\","
            + "\"tokenCount\":40}]}}";

    private final RealtimeProtocol.ServerEventReader reader = RealtimeProtocol.GEMINI_LIVE.reader(1 << 20);

    private static WebSocketFrame binary(String json) {
        return new BinaryWebSocketFrame(Unpooled.wrappedBuffer(json.getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void aTurnBeginsWithTheModelsFirstContentAndEndsWithItsUsage() {
        assertThat(reader.read(binary("{\"setupComplete\":{}}"))).isNull();
        assertThat(reader.read(binary(AUDIO))).isEqualTo(new ProviderEvents.Created("turn_1", null));
        assertThat(reader.read(binary(AUDIO))).isNull();
        assertThat(reader.read(binary(COMPLETE))).isNull();
        ProviderEvents.ServerEvent done = reader.read(new TextWebSocketFrame(USAGE));
        assertThat(done).isInstanceOfSatisfying(ProviderEvents.Done.class, d -> {
            assertThat(d.responseId()).isEqualTo("turn_1");
            Usage usage = d.usage();
            assertThat(usage.inputTokens()).isEqualTo(120);
            assertThat(usage.outputTokens()).isEqualTo(40);
            assertThat(usage.audioInputTokens()).isEqualTo(100);
            assertThat(usage.audioOutputTokens()).isEqualTo(40);
        });
        assertThat(reader.read(binary(AUDIO))).isEqualTo(new ProviderEvents.Created("turn_2", null));
    }

    @Test
    void aToolCallBeginsATurn() {
        assertThat(reader.read(binary("{\"toolCall\":{\"functionCalls\":[{\"id\":\"1\",\"name\":\"f\"}]}}")))
                .isEqualTo(new ProviderEvents.Created("turn_1", null));
    }

    @Test
    void aTurnThatEndsWithoutUsageIsReportedUnreadWhenTheNextBegins() {
        reader.read(binary(AUDIO));
        reader.read(binary("{\"serverContent\":{\"interrupted\":true}}"));
        assertThat(reader.read(binary(AUDIO))).isEqualTo(new ProviderEvents.Turned(
                new ProviderEvents.Done("turn_1", null), new ProviderEvents.Created("turn_2", null)));
    }

    @Test
    void usageThatCannotBeReadIsNoUsage() {
        reader.read(binary(AUDIO));
        assertThat(reader.read(binary("{\"usageMetadata\":{\"promptTokenCount\":\"many\"}}")))
                .isEqualTo(new ProviderEvents.Done("turn_1", null));
    }

    @Test
    void textThatNamesTheFieldsIsNotTakenForThem() {
        reader.read(binary(AUDIO));
        assertThat(reader.read(binary("{\"serverContent\":{\"modelTurn\":{\"parts\":[{\"text\":"
                + "\"usageMetadata turnComplete\"}]}}}"))).isNull();
        assertThat(reader.read(binary(USAGE))).isInstanceOf(ProviderEvents.Done.class);
    }

    @Test
    void aMessageInFragmentsIsReadWhole() {
        byte[] usage = USAGE.getBytes(StandardCharsets.UTF_8);
        reader.read(binary(AUDIO));
        assertThat(reader.read(new BinaryWebSocketFrame(false, 0, Unpooled.wrappedBuffer(usage, 0, 30)))).isNull();
        assertThat(reader.read(new ContinuationWebSocketFrame(true, 0,
                Unpooled.wrappedBuffer(usage, 30, usage.length - 30)))).isInstanceOf(ProviderEvents.Done.class);
    }
}

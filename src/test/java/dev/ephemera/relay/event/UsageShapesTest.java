package dev.ephemera.relay.event;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ephemera.json.StrictJson;
import dev.ephemera.session.Usage;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * Every provider's usage in the one shape {@link Usage} holds (SPEC §11: cached input priced as cached and counted
 * once; audio at audio prices): the input includes the cached tokens whoever reported them apart, and the parts
 * stay within their wholes.
 */
class UsageShapesTest {

    private static Usage read(String json) {
        return UsageFields.of(StrictJson.parse(json.getBytes(StandardCharsets.UTF_8)).orElseThrow());
    }

    @Test
    void openAiRealtimeReportsCachedAudioWithinTheCachedAndTheAudioInput() {
        Usage usage = read("""
                {"total_tokens":1300,"input_tokens":1000,"output_tokens":300,
                 "input_token_details":{"text_tokens":400,"audio_tokens":600,"cached_tokens":500,
                   "cached_tokens_details":{"text_tokens":200,"audio_tokens":300}},
                 "output_token_details":{"text_tokens":100,"audio_tokens":200}}""");
        assertThat(usage).isEqualTo(new Usage(1000, 300, 1300, 500, 600, 200, 300, 0, 1, 0, 0));
    }

    @Test
    void anthropicCacheReadsAndWritesAreAddedToItsInputOnce() {
        Usage usage = read("""
                {"input_tokens":10,"cache_read_input_tokens":500,"cache_creation_input_tokens":90,
                 "output_tokens":40}""");
        assertThat(usage.inputTokens()).isEqualTo(600);
        assertThat(usage.cachedTokens()).isEqualTo(500);
        assertThat(usage.totalTokens()).isEqualTo(640);
    }

    @Test
    void openAiChatAndResponsesReportReasoningWithinTheOutput() {
        Usage chat = read("""
                {"prompt_tokens":50,"completion_tokens":80,"total_tokens":130,
                 "prompt_tokens_details":{"cached_tokens":20,"audio_tokens":0},
                 "completion_tokens_details":{"reasoning_tokens":60,"audio_tokens":0}}""");
        assertThat(chat).isEqualTo(new Usage(50, 80, 130, 20, 0, 0, 0, 60, 1, 0, 0));
        Usage responses = read("""
                {"input_tokens":50,"output_tokens":80,"total_tokens":130,
                 "input_tokens_details":{"cached_tokens":20},"output_tokens_details":{"reasoning_tokens":60}}""");
        assertThat(responses).isEqualTo(chat);
    }

    @Test
    void geminiThoughtsAreOutputAndItsModalitiesNameTheAudio() {
        Usage usage = read("""
                {"promptTokenCount":100,"cachedContentTokenCount":40,"candidatesTokenCount":30,
                 "thoughtsTokenCount":20,"totalTokenCount":150,
                 "promptTokensDetails":[{"modality":"TEXT","tokenCount":30},{"modality":"AUDIO","tokenCount":70}],
                 "cacheTokensDetails":[{"modality":"AUDIO","tokenCount":25}],
                 "candidatesTokensDetails":[{"modality":"AUDIO","tokenCount":30}]}""");
        assertThat(usage).isEqualTo(new Usage(100, 50, 150, 40, 70, 30, 25, 20, 1, 0, 0));
        Usage live = read("{\"promptTokenCount\":10,\"responseTokenCount\":5,\"totalTokenCount\":15}");
        assertThat(live.outputTokens()).isEqualTo(5);
    }

    @Test
    void partsLargerThanTheirWholesAreHeldWithinThem() {
        Usage usage = read("""
                {"input_tokens":10,"output_tokens":5,"input_token_details":{"cached_tokens":99,"audio_tokens":99,
                 "cached_tokens_details":{"audio_tokens":99}},
                 "output_token_details":{"audio_tokens":4,"reasoning_tokens":99}}""");
        assertThat(usage).isEqualTo(new Usage(10, 5, 15, 10, 10, 4, 10, 1, 1, 0, 0));
    }

    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(strings = {
        "{\"input_tokens\":\"12\",\"output_tokens\":3}",
        "{\"input_tokens\":12,\"output_tokens\":3.5}",
        "{\"input_tokens\":-1,\"output_tokens\":3}",
        "{\"input_tokens\":9223372036854775807,\"output_tokens\":3}",
        "{\"total_tokens\":500}",
        "{\"input_tokens\":12,\"output_tokens\":3,\"input_token_details\":[1]}",
        "{\"input_tokens\":12,\"output_tokens\":3,\"output_token_details\":{\"audio_tokens\":\"3\"}}",
        "{\"promptTokenCount\":12,\"candidatesTokenCount\":1e400}"})
    void usageTheBrokerCannotTakeAsItIsIsNoneAndCountsAsAllItHeld(String json) {
        assertThat(read(json)).isNull();
    }
}

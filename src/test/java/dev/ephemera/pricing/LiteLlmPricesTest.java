package dev.ephemera.pricing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ephemera.json.StrictJson;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** LiteLLM's price file, as a sample of the real one (test resources, README.md there) and as its edge cases. */
class LiteLlmPricesTest {

    static final String SAMPLE = "dev/ephemera/pricing/litellm-sample.json";

    static byte[] sample() throws IOException {
        try (InputStream in = LiteLlmPricesTest.class.getClassLoader().getResourceAsStream(SAMPLE)) {
            return in.readAllBytes();
        }
    }

    private static PriceTable read(String json) {
        return LiteLlmPrices.read(json.getBytes(StandardCharsets.UTF_8), "LiteLLM");
    }

    @Test
    void readsTheRealtimeModelsAudioCachedAndAll() throws IOException {
        PriceTable table = LiteLlmPrices.read(sample(), "LiteLLM sample");
        // cache_creation_input_audio_token_cost (a cache write, by its name) is not read: cached audio falls back to
        // the audio input price.
        assertThat(table.find("openai", "gpt-realtime")).contains(new Price(4_000_000, 32_000_000, 400_000,
                32_000_000, 16_000_000, 64_000_000, 16_000_000, 0, "LiteLLM sample"));
        // cache_read_input_audio_token_cost is read; no cached text price: the text input price.
        assertThat(table.find("openai", "gpt-realtime-mini")).contains(new Price(600_000, 10_000_000, 600_000,
                300_000, 2_400_000, 20_000_000, 2_400_000, 0, "LiteLLM sample"));
        assertThat(table.find("openai", "gpt-4o-realtime-preview")).contains(new Price(5_000_000, 40_000_000,
                2_500_000, 40_000_000, 20_000_000, 80_000_000, 20_000_000, 0, "LiteLLM sample"));
        assertThat(table.find("openai", "gpt-4o-mini-realtime-preview").orElseThrow().cachedInputText())
                .isEqualTo(300_000);
    }

    @Test
    void readsEachKnownProviderUnderOurNameWithoutItsPrefix() throws IOException {
        PriceTable table = LiteLlmPrices.read(sample(), "s");
        assertThat(table.find("openai", "gpt-4o").orElseThrow().cachedInputText()).isEqualTo(1_250_000);
        assertThat(table.find("openai", "gpt-4o-mini").orElseThrow().inputText()).isEqualTo(150_000);
        assertThat(table.find("openai", "gpt-3.5-turbo").orElseThrow().inputText()).as("0.5e-06").isEqualTo(500_000);
        assertThat(table.find("azure", "gpt-4o-mini").orElseThrow().inputText()).isEqualTo(165_000);
        assertThat(table.find("anthropic", "claude-sonnet-4-5").orElseThrow())
                .isEqualTo(new Price(3_000_000, 3_000_000, 300_000, 3_000_000, 15_000_000, 15_000_000, 15_000_000, 0,
                        "s"));
        assertThat(table.find("anthropic", "claude-haiku-4-5").orElseThrow().outputText()).isEqualTo(5_000_000);
        assertThat(table.find("cohere", "command-a-03-2025").orElseThrow().outputText()).isEqualTo(10_000_000);
        Price flash = table.find("gemini", "gemini-2.5-flash").orElseThrow();
        assertThat(flash.inputAudio()).isEqualTo(1_000_000);
        assertThat(flash.reasoning()).isEqualTo(2_500_000);
        Price live = table.find("gemini", "gemini-2.0-flash-live-001").orElseThrow();
        assertThat(live.outputAudio()).isEqualTo(8_500_000);
        assertThat(live.cachedInputText()).isEqualTo(75_000);
        assertThat(table.find("mistral", "mistral-large-latest").orElseThrow().inputText()).isEqualTo(2_000_000);
        assertThat(table.find("kimi", "kimi-k2-0711-preview").orElseThrow().cachedInputText()).isEqualTo(150_000);
        Price grok = table.find("xai", "grok-4-fast-reasoning").orElseThrow();
        assertThat(grok.inputText()).as("0.2e-06, beside max_tokens 2e6").isEqualTo(200_000);
        assertThat(grok.cachedInputText()).isEqualTo(50_000);
    }

    @Test
    void leavesOutUnknownProvidersEntriesWithoutTokenPricesAndTheSampleSpec() throws IOException {
        PriceTable table = LiteLlmPrices.read(sample(), "s");
        assertThat(table.size()).isEqualTo(17);
        assertThat(table.find("gemini", "gemini-2.5-flash-image")).as("a Vertex entry under a gemini/ name").isEmpty();
        assertThat(table.find("vertex", "gemini/gemini-2.5-flash-image")).as("Vertex's, under the name it has")
                .isPresent();
        assertThat(table.find("gemini", "imagen-4.0-generate-001")).as("priced per image only").isEmpty();
        assertThat(table.find("openai", "sample_spec")).isEmpty();
        assertThat(table.find("bedrock_converse", "amazon.nova-lite-v1:0")).isEmpty();
    }

    /** LiteLLM's two names for Google's models on Vertex AI are the broker's {@code vertex}, prefixed or not. */
    @Test
    void readsVertexAiLanguageModelsAsVertexWithoutTheirPrefix() {
        PriceTable table = read("""
                { "gemini-2.5-flash": { "litellm_provider": "vertex_ai-language-models",
                                        "input_cost_per_token": 3e-07, "output_cost_per_token": 2.5e-06 },
                  "vertex_ai/gemini-2.5-pro": { "litellm_provider": "vertex_ai-language-models",
                                                "input_cost_per_token": 1.25e-06, "output_cost_per_token": 1e-05 },
                  "vertex_ai/gemini-live-2.5-flash": { "litellm_provider": "vertex_ai",
                                                       "input_cost_per_token": 5e-07, "output_cost_per_token": 2e-06 },
                  "vertex_ai/claude-sonnet-4-5": { "litellm_provider": "vertex_ai-anthropic_models",
                                                   "input_cost_per_token": 3e-06, "output_cost_per_token": 1.5e-05 } }
                """);
        assertThat(table.find("vertex", "gemini-2.5-flash").orElseThrow().inputText()).isEqualTo(300_000);
        assertThat(table.find("vertex", "gemini-2.5-pro").orElseThrow().outputText()).isEqualTo(10_000_000);
        assertThat(table.find("vertex", "gemini-live-2.5-flash").orElseThrow().inputText()).isEqualTo(500_000);
        assertThat(table.find("gemini", "gemini-2.5-flash")).as("Vertex's prices are not the Gemini API's").isEmpty();
        assertThat(table.size()).as("another publisher's model on Vertex AI is left out").isEqualTo(3);
    }

    @Test
    void aModelNamedTwiceIsPricedByItsLastEntryAsLiteLlmDoes() {
        String twice = """
                { "m": { "litellm_provider": "openai", "input_cost_per_token": 1e-06, "output_cost_per_token": 2e-06 },
                  "n": { "litellm_provider": "openai", "input_cost_per_token": 1e-06, "output_cost_per_token": 1e-06 },
                  "m": { "litellm_provider": "openai", "input_cost_per_token": 3e-06, "output_cost_per_token": 4e-06 } }
                """;
        assertThat(StrictJson.parse(twice.getBytes(StandardCharsets.UTF_8))).as("refused as a whole").isEmpty();
        PriceTable table = read(twice);
        assertThat(table.find("openai", "m").orElseThrow().inputText()).isEqualTo(3_000_000);
        assertThat(table.find("openai", "n")).isPresent();
    }

    @Test
    void anEntryStrictJsonRefusesOrWithABadPriceIsLeftOutAndTheRestRead() {
        PriceTable table = read("""
                { "twice": { "litellm_provider": "openai", "litellm_provider": "openai",
                             "input_cost_per_token": 1e-06, "output_cost_per_token": 1e-06 },
                  "negative": { "litellm_provider": "openai", "input_cost_per_token": -1e-06,
                                "output_cost_per_token": 1e-06 },
                  "text": { "litellm_provider": "openai", "input_cost_per_token": "1e-06",
                            "output_cost_per_token": 1e-06 },
                  "huge": { "litellm_provider": "openai", "input_cost_per_token": 1e999999999,
                            "output_cost_per_token": 1e-06 },
                  "no-output": { "litellm_provider": "openai", "input_cost_per_token": 1e-06 },
                  "list": [ 1, 2 ],
                  "good": { "litellm_provider": "openai", "input_cost_per_token": 1e-06,
                            "output_cost_per_token": 1e-06 } }
                """);
        assertThat(table.size()).isEqualTo(1);
        assertThat(table.find("openai", "good")).isPresent();
    }

    @Test
    void aModelsOwnNameWinsOverItsProviderPrefixedNameAndAForeignPrefixStays() {
        PriceTable table = read("""
                { "openai/gpt-x": { "litellm_provider": "openai", "input_cost_per_token": 9e-06,
                                    "output_cost_per_token": 9e-06 },
                  "gpt-x": { "litellm_provider": "openai", "input_cost_per_token": 1e-06,
                             "output_cost_per_token": 1e-06 },
                  "openai/gpt-y": { "litellm_provider": "azure", "input_cost_per_token": 1e-06,
                                    "output_cost_per_token": 1e-06 } }
                """);
        assertThat(table.find("openai", "gpt-x").orElseThrow().inputText()).isEqualTo(1_000_000);
        assertThat(table.find("azure", "openai/gpt-y")).isPresent();
        assertThat(table.find("azure", "gpt-y")).isEmpty();
    }

    @Test
    void perTokenDollarsBecomeMicroDollarsPerMillionRoundedUp() {
        assertThat(LiteLlmPrices.perMillion(new BigDecimal("4e-06"))).isEqualTo(4_000_000);
        assertThat(LiteLlmPrices.perMillion(new BigDecimal("3.125e-07"))).isEqualTo(312_500);
        assertThat(LiteLlmPrices.perMillion(new BigDecimal("1.0000000000001e-06"))).isEqualTo(1_000_001);
        assertThat(LiteLlmPrices.perMillion(new BigDecimal("1e-13"))).isEqualTo(1);
        assertThat(LiteLlmPrices.perMillion(new BigDecimal("1e-999999999"))).isEqualTo(1);
        assertThat(LiteLlmPrices.perMillion(new BigDecimal("0E-999999999"))).isZero();
        assertThat(LiteLlmPrices.perMillion(new BigDecimal("0.0"))).isZero();
        assertThat(LiteLlmPrices.perMillion(new BigDecimal("1000"))).isEqualTo(1_000_000_000_000_000L);
        assertThat(LiteLlmPrices.perMillion(new BigDecimal("1000.000000000001"))).isNull();
        assertThat(LiteLlmPrices.perMillion(new BigDecimal("-1e-06"))).isNull();
    }

    @ParameterizedTest
    @ValueSource(strings = {"[]", "{\"m\": {}} {}", "{\"m\": {}", "\uFEFF{}", "{\"m\": NaN}", "", "{'m': {}}",
        "{\"m\": {}} // comment"})
    void refusesAFileThatIsNotOneJsonObject(String json) {
        assertThatThrownBy(() -> read(json)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void anEmptyObjectIsATableOfNoPrices() {
        assertThat(read("{}").size()).isZero();
    }
}

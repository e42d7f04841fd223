package dev.ephemera.pricing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** SPEC §11: our price file, read exactly as written and refused, by row and field, when it is anything else. */
class PriceFileTest {

    /** SPEC §11's example, as it is printed there. */
    static final String SPEC_EXAMPLE = """
        models:
          - provider: openai
            model: gpt-realtime               # exact name, or a prefix ending in *
            usd_per_million: { input_text: 4.00, input_audio: 32.00, cached_input_text: 0.40, cached_input_audio: 0.40,
                               output_text: 16.00, output_audio: 64.00, reasoning: 16.00 }
            usd_per_minute: 0.05              # optional, for models billed by time
            """;

    @Test
    void readsTheSpecsExampleAsWrittenWithoutFloatingPoint() {
        Price price = PriceFile.read(SPEC_EXAMPLE).find("openai", "gpt-realtime").orElseThrow();
        assertThat(price).isEqualTo(new Price(4_000_000, 32_000_000, 400_000, 400_000, 16_000_000, 64_000_000,
                16_000_000, 50_000, ""));
    }

    @Test
    void readsPricesThatNoDoubleHoldsExactly() {
        // 0.1 + 0.2 and 16.000001 as doubles are not what they say; as text they are.
        PriceTable table = PriceFile.read("""
                models:
                  - { provider: openai, model: m, usd_per_million: { input_text: 0.3, output_text: 16.000001 },
                      source: "a page, 2026-12-07" }
                """);
        Price price = table.find("openai", "m").orElseThrow();
        assertThat(price.inputText()).isEqualTo(300_000);
        assertThat(price.outputText()).isEqualTo(16_000_001);
        assertThat(price.source()).isEqualTo("a page, 2026-12-07");
    }

    @Test
    void readsPrefixesTheDefaultRowTheDateAndRowsBilledByTimeOnly() {
        PriceTable table = PriceFile.read("""
                date: 2026-12-07
                default: { usd_per_million: { input_text: 1, output_text: 2 }, source: fallback }
                models:
                  - { provider: openai, model: "gpt-4.1*", usd_per_million: { input_text: 2, output_text: 8 } }
                  - { provider: xai, model: voice, usd_per_minute: 0.05 }
                  - { provider: echo, model: "*", usd_per_million: { input_text: 3, output_text: 3 } }
                """);
        assertThat(table.find("openai", "gpt-4.1-2025-04-14").orElseThrow().outputText()).isEqualTo(8_000_000);
        assertThat(table.find("anthropic", "claude").orElseThrow().source()).isEqualTo("fallback");
        assertThat(table.find("xai", "voice").orElseThrow()).isEqualTo(new Price(0, 0, 0, 0, 0, 0, 0, 50_000, ""));
        assertThat(table.find("echo", null).orElseThrow().inputText()).isEqualTo(3_000_000);
        assertThat(table.size()).isEqualTo(4);
    }

    @Test
    void anEmptyListOfModelsIsATableOfNoPrices() {
        assertThat(PriceFile.read("models: []").find("openai", "gpt-realtime")).isEmpty();
    }

    static Stream<Arguments> refused() {
        String row = "  - { provider: openai, model: gpt-realtime, "
                + "usd_per_million: { input_text: 4, output_text: 16 } }\n";
        return Stream.of(
                Arguments.of("models:\n" + row.replace("input_text: 4", "input_text: -1"),
                        "models[0] (openai gpt-realtime): usd_per_million.input_text: not a plain decimal"),
                Arguments.of("models:\n" + row.replace("input_text: 4", "input_text: 1e3"),
                        "models[0] (openai gpt-realtime): usd_per_million.input_text: not a plain decimal"),
                Arguments.of("models:\n" + row.replace("input_text: 4", "input_text: 0.0000001"),
                        "usd_per_million.input_text: more than six fraction digits"),
                Arguments.of("models:\n" + row.replace("input_text: 4", "input_text: four"),
                        "usd_per_million.input_text: not a plain decimal"),
                Arguments.of("models:\n" + row.replace("input_text: 4", "input_text: !!float 4.0"),
                        "usd_per_million.input_text is not a scalar"),
                Arguments.of("models:\n" + row.replace("input_text: 4", "input_text: [4]"),
                        "usd_per_million.input_text is not a scalar"),
                Arguments.of("models:\n" + row.replace("input_text: 4", "input_txt: 4"),
                        "models[0] (openai gpt-realtime): usd_per_million: an unknown field input_txt"),
                Arguments.of("models:\n" + row.replace("input_text: 4, ", ""),
                        "models[0] (openai gpt-realtime): usd_per_million needs input_text and output_text"),
                Arguments.of("models:\n" + row.replace("provider: openai, ", ""), "models[0]: provider is missing"),
                Arguments.of("models:\n" + row.replace("}\n", ", colour: red }\n"),
                        "models[0]: an unknown field colour"),
                Arguments.of("models:\n" + row + row,
                        "models[1] (openai gpt-realtime): a second row for the same provider and model"),
                Arguments.of("models:\n" + row.replace("model: gpt-realtime", "model: gpt*realtime"),
                        "models[0]: model is not a model's name"),
                Arguments.of("models:\n" + row.replace("model: gpt-realtime", "model: \"gpt realtime\""),
                        "models[0]: model is not a model's name"),
                Arguments.of("models:\n" + row.replace("provider: openai", "provider: \"\""),
                        "models[0]: provider is not a provider's name"),
                Arguments.of("models:\n" + row.replace("}\n", ", usd_per_minute: -0.05 }\n"),
                        "usd_per_minute: not a plain decimal"),
                Arguments.of("models:\n  - { provider: openai, model: m }\n",
                        "models[0] (openai m): usd_per_million or usd_per_minute is required"),
                Arguments.of("models:\n" + row + "price: 4\n", "the file: an unknown field price"),
                Arguments.of("models:\n  - { provider: a, provider: b }\n", "a key appears twice in one mapping"),
                Arguments.of("models: { provider: openai }\n", "models: not a list"),
                Arguments.of("models:\n  - just text\n", "models[0]: not a mapping"),
                Arguments.of("- a list\n", "the file: not a mapping"),
                Arguments.of("", "the file: not a mapping"),
                Arguments.of("date: yesterday\nmodels: []\n", "date: not a date"),
                Arguments.of("default: { usd_per_million: { input_text: 1 } }\n",
                        "default: usd_per_million needs input_text and output_text"),
                Arguments.of("default: { model: x, usd_per_minute: 1 }\n", "default: an unknown field model"),
                Arguments.of("models: [ { provider: openai\n", "not valid YAML (line"),
                Arguments.of("models: []\n---\nmodels: []\n", "not valid YAML"),
                Arguments.of("models: []\nx: !!javax.script.ScriptEngineManager [a]\n", "not valid YAML"));
    }

    @ParameterizedTest
    @MethodSource("refused")
    void refusesNamingTheRowAndTheField(String yaml, String message) {
        assertThatThrownBy(() -> PriceFile.read(yaml)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(message);
    }

    @Test
    void neverRepeatsLongOrSecretInputInItsErrors() {
        String secret = "sk-" + "x".repeat(5000);
        String[] files = {
            "models:\n  - { provider: openai, model: " + secret + ", usd_per_minute: 1 }\n",
            "models:\n  - { provider: " + secret + ", model: m, usd_per_minute: 1 }\n",
            "models:\n  - { provider: openai, model: m, usd_per_minute: " + secret + " }\n",
            "models:\n  - { provider: openai, model: m, usd_per_minute: 1, source: \"" + secret + "\" }\n",
            "models:\n  - { provider: openai, model: m, usd_per_minute: 1, " + secret + ": 1 }\n",
            "models:\n  - { provider: openai, model: m, usd_per_minute: 1 " + secret + " ]\n",
            secret + ": [\n"};
        for (String yaml : files) {
            assertThatThrownBy(() -> PriceFile.read(yaml)).isInstanceOf(IllegalArgumentException.class)
                    .satisfies(e -> assertThat(e.getMessage()).doesNotContain("sk-xxx").hasSizeLessThan(200));
        }
    }
}

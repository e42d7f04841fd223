package dev.ephemera.pricing;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** SPEC §11: a model's price is its exact row's, else its longest prefix's, else the default row's, else none. */
class PriceTableTest {

    private static Price price(String source) {
        return Price.builder(source).inputText(1L).outputText(1L).build();
    }

    private static PriceTable table(Price fallback, String... rows) {
        PriceTable.Builder builder = PriceTable.builder();
        for (String row : rows) {
            String[] providerModel = row.split(" ");
            assertThat(builder.add(providerModel[0], providerModel[1], price(row))).isTrue();
        }
        if (fallback != null) {
            builder.fallback(fallback);
        }
        return builder.build();
    }

    private static String source(PriceTable table, String provider, String model) {
        return table.find(provider, model).map(Price::source).orElse("none");
    }

    @Test
    void exactNameThenLongestPrefixThenDefaultRow() {
        PriceTable table = table(price("default"), "openai gpt-4.1*", "openai gpt-4.1-mini*", "openai gpt-4.1-mini",
                "openai *");
        assertThat(source(table, "openai", "gpt-4.1-mini")).isEqualTo("openai gpt-4.1-mini");
        assertThat(source(table, "openai", "gpt-4.1-mini-2025-04-14")).isEqualTo("openai gpt-4.1-mini*");
        assertThat(source(table, "openai", "gpt-4.1-2025-04-14")).isEqualTo("openai gpt-4.1*");
        assertThat(source(table, "openai", "gpt-4.1")).as("a prefix matches the name itself").isEqualTo(
                "openai gpt-4.1*");
        assertThat(source(table, "openai", "o3")).isEqualTo("openai *");
        assertThat(source(table, "anthropic", "claude-haiku-4-5")).isEqualTo("default");
        assertThat(source(table, "anthropic", null)).isEqualTo("default");
        assertThat(source(table, "openai", null)).as("only a prefix of all models prices a model not named")
                .isEqualTo("openai *");
    }

    @Test
    void noRowNoPrice() {
        PriceTable table = table(null, "openai gpt-realtime", "openai gpt-4o*");
        assertThat(table.find("openai", "gpt-realtime-mini")).isEmpty();
        assertThat(table.find("openai", "GPT-REALTIME")).as("names are exact").isEmpty();
        assertThat(table.find("azure", "gpt-realtime")).as("rows are per provider").isEmpty();
        assertThat(table.find("openai", null)).isEmpty();
        assertThat(PriceTable.EMPTY.find("openai", "gpt-realtime")).isEmpty();
    }

    @Test
    void aSecondRowForTheSameModelOrASecondDefaultIsRefused() {
        PriceTable.Builder builder = PriceTable.builder();
        assertThat(builder.add("openai", "m", price("a"))).isTrue();
        assertThat(builder.add("openai", "m", price("b"))).isFalse();
        assertThat(builder.add("openai", "m*", price("c"))).as("a prefix is another row").isTrue();
        assertThat(builder.add("azure", "m", price("d"))).isTrue();
        assertThat(builder.fallback(price("e"))).isTrue();
        assertThat(builder.fallback(price("f"))).isFalse();
        assertThat(source(builder.build(), "openai", "m")).isEqualTo("a");
    }

    @Test
    void ourRowsWinOverLiteLlmsForTheSameModelAndTheirsFillTheRest() {
        PriceTable ours = table(null, "openai gpt-realtime", "openai gpt-4o*");
        PriceTable theirs = table(price("their default"), "openai gpt-realtime", "openai gpt-4o-audio-preview",
                "anthropic claude-haiku-4-5");
        PriceTable merged = ours.over(theirs);
        assertThat(source(merged, "openai", "gpt-realtime")).isEqualTo("openai gpt-realtime");
        assertThat(merged.find("openai", "gpt-realtime")).containsSame(ours.find("openai", "gpt-realtime").get());
        assertThat(source(merged, "anthropic", "claude-haiku-4-5")).isEqualTo("anthropic claude-haiku-4-5");
        assertThat(merged.find("anthropic", "claude-haiku-4-5"))
                .containsSame(theirs.find("anthropic", "claude-haiku-4-5").get());
        // Their exact name comes before our prefix: look-up order holds across both tables.
        assertThat(merged.find("openai", "gpt-4o-audio-preview"))
                .containsSame(theirs.find("openai", "gpt-4o-audio-preview").get());
        assertThat(source(merged, "openai", "gpt-4o-mini")).isEqualTo("openai gpt-4o*");
        assertThat(source(merged, "xai", "grok-4")).isEqualTo("their default");
        assertThat(source(table(price("our default")).over(theirs), "xai", "grok-4")).isEqualTo("our default");
        assertThat(merged.size()).isEqualTo(5);
    }
}

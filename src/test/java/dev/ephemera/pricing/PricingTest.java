package dev.ephemera.pricing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ephemera.session.Usage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** SPEC §11: the prices in force, from our file over LiteLLM's, read again when a file changes. */
class PricingTest {

    private static final String ROW = """
            models:
              - { provider: openai, model: gpt-realtime, usd_per_million: { input_text: %s, output_text: 16 } }
            """;

    @TempDir
    Path dir;

    /** A clock for the once-a-second look at the files, moved by hand. */
    private final AtomicLong nanos = new AtomicLong(1_000_000_000_000L);

    private Pricing pricing(String file, String litellmFile, String unpriced) {
        return new Pricing(new PricingConfiguration(file, litellmFile, unpriced), nanos::get);
    }

    private Path write(String name, String text, long secondsAfterEpoch) throws IOException {
        Path file = dir.resolve(name);
        Files.writeString(file, text);
        Files.setLastModifiedTime(file, FileTime.from(Instant.ofEpochSecond(1_800_000_000L + secondsAfterEpoch)));
        return file;
    }

    private static long inputText(Pricing pricing) {
        return pricing.price("openai", "gpt-realtime").orElseThrow().inputText();
    }

    @Test
    void aChangedFileIsReadAgainAndABrokenOneKeepsTheLastGoodPrices() throws IOException {
        Path file = write("prices.yaml", ROW.formatted("4.00"), 0);
        Pricing pricing = pricing(file.toString(), null, "refuse");
        assertThat(inputText(pricing)).isEqualTo(4_000_000);

        write("prices.yaml", ROW.formatted("5.00"), 1);
        assertThat(inputText(pricing)).as("looked at no more than once a second").isEqualTo(4_000_000);
        nanos.addAndGet(PriceSource.CHECK_EVERY_NANOS);
        assertThat(inputText(pricing)).isEqualTo(5_000_000);

        write("prices.yaml", ROW.formatted("-1"), 2);
        nanos.addAndGet(PriceSource.CHECK_EVERY_NANOS);
        assertThat(inputText(pricing)).as("a broken file keeps the last good prices").isEqualTo(5_000_000);

        Files.delete(file);
        nanos.addAndGet(PriceSource.CHECK_EVERY_NANOS);
        assertThat(inputText(pricing)).as("so does a file that is gone").isEqualTo(5_000_000);

        write("prices.yaml", ROW.formatted("6.00"), 3);
        nanos.addAndGet(PriceSource.CHECK_EVERY_NANOS);
        assertThat(inputText(pricing)).isEqualTo(6_000_000);
    }

    @Test
    void aFileThatCannotBeReadAtStartStopsTheStartNamingThePropertyAndTheRow() throws IOException {
        Path broken = write("prices.yaml", ROW.formatted("1e3"), 0);
        assertThatThrownBy(() -> pricing(broken.toString(), null, "refuse")).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("ephemera.pricing.file " + broken)
                .hasMessageContaining("models[0] (openai gpt-realtime): usd_per_million.input_text");
        assertThatThrownBy(() -> pricing(dir.resolve("missing.yaml").toString(), null, "refuse"))
                .hasMessageContaining("ephemera.pricing.file").hasMessageContaining("NoSuchFileException");
        Path notJson = write("litellm.json", "[]", 0);
        assertThatThrownBy(() -> pricing(null, notJson.toString(), "refuse"))
                .hasMessageContaining("ephemera.pricing.litellm-file " + notJson).hasMessageContaining("not a JSON");
        Path latin1 = dir.resolve("latin1.yaml");
        Files.write(latin1, new byte[] {'m', 'o', 'd', 'e', 'l', 's', ':', ' ', (byte) 0xe9});
        assertThatThrownBy(() -> pricing(latin1.toString(), null, "refuse")).hasMessageContaining("not UTF-8");
    }

    @Test
    void ourRowsWinOverLiteLlmsAndLiteLlmPricesTheRest() throws IOException {
        Path ours = write("prices.yaml", ROW.formatted("9.00"), 0);
        Path theirs = dir.resolve("litellm.json");
        Files.write(theirs, LiteLlmPricesTest.sample());
        Pricing pricing = pricing(ours.toString(), theirs.toString(), "refuse");
        assertThat(inputText(pricing)).isEqualTo(9_000_000);
        assertThat(pricing.price("openai", "gpt-realtime").orElseThrow().inputAudio()).as("our row, whole")
                .isEqualTo(9_000_000);
        assertThat(pricing.price("anthropic", "claude-sonnet-4-5").orElseThrow().source()).isEqualTo(
                "LiteLLM litellm.json");
        assertThat(pricing.price("openai", "gpt-4o-mini-realtime-preview")).isPresent();
        assertThat(pricing.price("openai", "gpt-5")).isEmpty();
    }

    @Test
    void pricedSetsTheCostAndUnpricedCostsNothing() {
        Pricing pricing = pricing(null, null, "refuse");
        Usage usage = Usage.ofResponse(1000, 500, 0, 600, 800, 400, 500, 0);
        assertThat(pricing.priced("openai", "gpt-realtime", usage)).isEqualTo(usage.costing(37_440))
                .extracting(Usage::costUsd).isEqualTo("0.037440");
        assertThat(pricing.priced("openai", "no-such-model", usage.costing(5)).costMicros()).isZero();
    }

    @Test
    void aModelWithoutAPriceIsMeasurableOnlyWhenUnpricedIsFree() {
        Pricing refusing = pricing(null, null, "refuse");
        assertThat(refusing.refusesUnpriced()).isTrue();
        assertThat(refusing.measurable("openai", "gpt-realtime")).isTrue();
        assertThat(refusing.measurable("openai", "no-such-model")).isFalse();
        assertThat(refusing.measurable("openai", null)).isFalse();
        Pricing free = pricing(null, null, "free");
        assertThat(free.refusesUnpriced()).isFalse();
        assertThat(free.measurable("openai", "no-such-model")).isTrue();
    }

    @Test
    void refusesAConfigurationThatMakesNoSense() {
        assertThatThrownBy(() -> new PricingConfiguration(null, null, "maybe"))
                .hasMessageContaining("ephemera.pricing.unpriced must be refuse or free");
        assertThatThrownBy(() -> new PricingConfiguration(" ", null, "refuse"))
                .hasMessageContaining("ephemera.pricing.file is empty");
        assertThatThrownBy(() -> new PricingConfiguration(null, "", "refuse"))
                .hasMessageContaining("ephemera.pricing.litellm-file is empty");
    }
}

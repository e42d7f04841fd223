package dev.ephemera.pricing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ephemera.session.Usage;
import org.junit.jupiter.api.Test;

/** SPEC §11: a response's cost from its usage, worked out by hand. */
class PriceTest {

    /** gpt-realtime's prices (µ$ per million tokens): $4 text in, $32 audio in, $0.40 cached, $16 / $64 out. */
    static final Price REALTIME = Price.builder("test").inputText(4_000_000L).inputAudio(32_000_000L)
            .cachedInputText(400_000L).cachedInputAudio(400_000L).outputText(16_000_000L).outputAudio(64_000_000L)
            .build();

    @Test
    void pricesARealtimeResponseWithCachedAudioAndTextEachTokenOnce() {
        // 1000 in: 200 text (100 of them cached) and 800 audio (500 of them cached); 500 out: 400 audio, 100 text.
        Usage usage = Usage.ofResponse(1000, 500, 0, 600, 800, 400, 500, 0);
        // fresh text 100 x 4 + fresh audio 300 x 32 + cached text 100 x 0.40 + cached audio 500 x 0.40
        // + text out 100 x 16 + audio out 400 x 64 = 400 + 9600 + 40 + 200 + 1600 + 25600 = 37440 µ$ (millions)
        assertThat(REALTIME.cost(usage)).isEqualTo(37_440);
        assertThat(Money.format(REALTIME.cost(usage))).isEqualTo("0.037440");
    }

    @Test
    void pricesReasoningAtItsOwnPriceAndTheRestOfTheOutputAsText() {
        Price price = Price.builder("test").inputText(1_250_000L).cachedInputText(125_000L).outputText(10_000_000L)
                .reasoning(12_000_000L).build();
        // 10000 in, 4000 cached; 3000 out, 2000 of them reasoning:
        // 6000 x 1.25 + 4000 x 0.125 + 1000 x 10 + 2000 x 12 = 7500 + 500 + 10000 + 24000 = 42000 µ$
        assertThat(price.cost(Usage.ofResponse(10_000, 3000, 0, 4000, 0, 0, 0, 2000))).isEqualTo(42_000);
    }

    @Test
    void roundsUpOncePerCallNotPerKind() {
        // One cached text and one cached audio token at $0.40 per million: 0.4 + 0.4 = 0.8 µ$, billed 1, not 2.
        assertThat(REALTIME.cost(Counts.ofKinds(0, 0, 1, 1, 0, 0, 0, 0))).isEqualTo(1);
        assertThat(REALTIME.cost(Counts.ofKinds(1, 0, 0, 0, 0, 0, 0, 0))).isEqualTo(4);
        assertThat(REALTIME.cost(Counts.NONE)).isZero();
    }

    @Test
    void pricesSecondsByTheMinuteRoundedUpApartFromTokens() {
        Price perMinute = Price.builder("test").perMinute(50_000L).build();
        assertThat(perMinute.cost(Usage.ofSeconds(90))).isEqualTo(75_000);
        // 61 s x $0.05 / 60 = 50833.33 µ$
        assertThat(perMinute.cost(Usage.ofSeconds(61))).isEqualTo(50_834);
        Price both = Price.builder("test").inputText(400_000L).outputText(400_000L).perMinute(50_000L).build();
        // 1 token at $0.40 per million (0.4 µ$, billed 1) and 1 s (833.33 µ$, billed 834): 835
        assertThat(both.cost(Counts.ofKinds(1, 0, 0, 0, 0, 0, 0, 1))).isEqualTo(835);
    }

    @Test
    void kindsLeftOutTakeTheNearestGivenPrice() {
        Price price = Price.builder("s").inputText(3L).outputText(7L).build();
        assertThat(price).isEqualTo(new Price(3, 3, 3, 3, 7, 7, 7, 0, "s"));
        Price audio = Price.builder("s").inputText(3L).inputAudio(5L).outputText(7L).build();
        assertThat(audio.cachedInputAudio()).as("cached audio at the fresh audio price").isEqualTo(5);
        assertThat(audio.cachedInputText()).as("cached text at the fresh text price").isEqualTo(3);
        assertThat(Price.builder("s").perMinute(9L).build()).isEqualTo(new Price(0, 0, 0, 0, 0, 0, 0, 9, "s"));
    }

    @Test
    void aPartLargerThanItsWholeIsHeldWithinIt() {
        // 100 in, "150 cached": all 100 cached; 10 out, "20 audio": all 10 audio.
        Counts overstated = new Counts(100, 10, 150, 0, 20, 0, 0, 0, 0);
        assertThat(REALTIME.cost(overstated)).isEqualTo(REALTIME.cost(new Counts(100, 10, 100, 0, 10, 0, 0, 0, 0)));
        // 10 audio in, 5 cached, "8 cached audio": 5 cached audio at most.
        Counts audio = new Counts(10, 0, 5, 10, 0, 8, 0, 0, 0);
        assertThat(REALTIME.cost(audio)).isEqualTo(REALTIME.cost(new Counts(10, 0, 5, 10, 0, 5, 0, 0, 0)));
        assertThat(REALTIME.cost(new Counts(-5, -5, -5, -5, -5, -5, -5, -5, 0))).isZero();
    }

    @Test
    void hugeCountsSaturateInsteadOfOverflowing() {
        Price dearest = new Price(Price.MAX_RATE, Price.MAX_RATE, Price.MAX_RATE, Price.MAX_RATE, Price.MAX_RATE,
                Price.MAX_RATE, Price.MAX_RATE, Price.MAX_RATE, "s");
        long max = Long.MAX_VALUE;
        assertThat(dearest.cost(new Counts(max, max, 0, 0, 0, 0, 0, max, 0))).isEqualTo(Price.MAX_COST);
        // 2^63 - 1 tokens at 1 µ$ per million: 9223372036854.775807 µ$, rounded up, exactly.
        Price cheapest = Price.builder("s").inputText(1L).outputText(1L).build();
        assertThat(cheapest.cost(new Counts(max, 0, 0, 0, 0, 0, 0, 0, 0))).isEqualTo(9_223_372_036_855L);
        assertThat(cheapest.cost(new Counts(max, max, 0, 0, 0, 0, 0, 0, 0))).isEqualTo(18_446_744_073_710L);
    }

    @Test
    void theMostAnOutputOrInputTokenMayCost() {
        assertThat(REALTIME.maxOutputPerMillion()).isEqualTo(64_000_000);
        assertThat(REALTIME.maxInputPerMillion()).isEqualTo(32_000_000);
        Price reasoning = Price.builder("s").inputText(1L).outputText(2L).reasoning(9L).build();
        assertThat(reasoning.maxOutputPerMillion()).isEqualTo(9);
    }

    @Test
    void tokensForIsWhatTheMoneyPaysAtTheDearestOutput() {
        assertThat(REALTIME.tokensFor(1_000_000)).as("$1 at $64 per million").isEqualTo(15_625);
        assertThat(REALTIME.tokensFor(64)).isEqualTo(1);
        assertThat(REALTIME.tokensFor(63)).isZero();
        assertThat(REALTIME.tokensFor(0)).isZero();
        assertThat(REALTIME.tokensFor(-5)).isZero();
        assertThat(Price.builder("s").inputText(1L).outputText(0L).build().tokensFor(1)).isEqualTo(Long.MAX_VALUE);
        assertThat(Price.builder("s").inputText(1L).outputText(1L).build().tokensFor(Price.MAX_COST))
                .isEqualTo(Long.MAX_VALUE);
    }

    @Test
    void refusesNegativeOrImpossiblePrices() {
        assertThatThrownBy(() -> new Price(-1, 0, 0, 0, 0, 0, 0, 0, "s")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Price(0, 0, 0, 0, Price.MAX_RATE + 1, 0, 0, 0, "s"))
                .isInstanceOf(IllegalArgumentException.class);
    }
}

package dev.ephemera.pricing;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigInteger;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;

/**
 * SPEC §11: properties of {@link Price#cost} over any counts a provider may report (negative, overstated and huge
 * ones included) and any prices, checked against a reference that adds each kind's cost as an unbounded integer.
 */
class PricePropertiesTest {

    private static final long COUNTS = 1L << 40;

    @Provide
    Arbitrary<Price> prices() {
        Arbitrary<Long> rate = Arbitraries.oneOf(Arbitraries.longs().between(0, 200_000_000L),
                Arbitraries.longs().between(0, Price.MAX_RATE));
        return Combinators.combine(rate.list().ofSize(8), Arbitraries.just("p"))
                .as((r, s) -> new Price(r.get(0), r.get(1), r.get(2), r.get(3), r.get(4), r.get(5), r.get(6),
                        r.get(7), s));
    }

    /** Prices whose cached input costs no more than fresh input of the same modality, as every provider's does. */
    @Provide
    Arbitrary<Price> cachedCheaper() {
        return prices().map(p -> new Price(p.inputText(), p.inputAudio(), Math.min(p.cachedInputText(),
                p.inputText()), Math.min(p.cachedInputAudio(), p.inputAudio()), p.outputText(), p.outputAudio(),
                p.reasoning(), p.perMinute(), p.source()));
    }

    /** Counts of each kind apart, as {@link Counts#ofKinds} sums them. */
    @Provide
    Arbitrary<long[]> kinds() {
        return Arbitraries.longs().between(0, COUNTS).array(long[].class).ofSize(8);
    }

    @Provide
    Arbitrary<Counts> anyCounts() {
        Arbitrary<Long> count = Arbitraries.oneOf(Arbitraries.longs().between(-10, 1_000_000),
                Arbitraries.longs(), Arbitraries.just(Long.MAX_VALUE));
        return count.list().ofSize(8).map(c -> new Counts(c.get(0), c.get(1), c.get(2), c.get(3), c.get(4),
                c.get(5), c.get(6), c.get(7), 0));
    }

    private static Counts counts(long[] k) {
        return Counts.ofKinds(k[0], k[1], k[2], k[3], k[4], k[5], k[6], k[7]);
    }

    @Property
    void costIsNeverNegativeNorAboveTheCap(@ForAll("prices") Price price, @ForAll("anyCounts") Counts counts) {
        assertThat(price.cost(counts)).isBetween(0L, Price.MAX_COST);
    }

    @Property
    void costIsEachKindAtItsPriceRoundedUpOnce(@ForAll("prices") Price price, @ForAll("kinds") long[] k) {
        long[] rates = {price.inputText(), price.inputAudio(), price.cachedInputText(), price.cachedInputAudio(),
            price.outputText(), price.outputAudio(), price.reasoning()};
        BigInteger tokens = BigInteger.ZERO;
        for (int i = 0; i < rates.length; i++) {
            tokens = tokens.add(BigInteger.valueOf(k[i]).multiply(BigInteger.valueOf(rates[i])));
        }
        BigInteger minutes = BigInteger.valueOf(k[7]).multiply(BigInteger.valueOf(price.perMinute()));
        BigInteger expected = ceil(tokens, 1_000_000).add(ceil(minutes, 60)).min(BigInteger.valueOf(Price.MAX_COST));
        assertThat(price.cost(counts(k))).isEqualTo(expected.longValueExact());
    }

    @Property
    void moreOfAnyKindNeverCostsLess(@ForAll("prices") Price price, @ForAll("kinds") long[] k,
            @ForAll @IntRange(min = 0, max = 7) int kind, @ForAll @LongRange(min = 1, max = COUNTS) long more) {
        long[] bigger = k.clone();
        bigger[kind] += more;
        assertThat(price.cost(counts(bigger))).isGreaterThanOrEqualTo(price.cost(counts(k)));
    }

    @Property
    void aLargerWholeNeverCostsLess(@ForAll("prices") Price price, @ForAll("kinds") long[] k,
            @ForAll @LongRange(min = 1, max = COUNTS) long more) {
        Counts c = counts(k);
        Counts moreIn = new Counts(c.inputTokens() + more, c.outputTokens(), c.cachedTokens(), c.audioInputTokens(),
                c.audioOutputTokens(), c.cachedAudioTokens(), c.reasoningTokens(), c.seconds(), 0);
        Counts moreOut = new Counts(c.inputTokens(), c.outputTokens() + more, c.cachedTokens(), c.audioInputTokens(),
                c.audioOutputTokens(), c.cachedAudioTokens(), c.reasoningTokens(), c.seconds(), 0);
        assertThat(price.cost(moreIn)).isGreaterThanOrEqualTo(price.cost(c));
        assertThat(price.cost(moreOut)).isGreaterThanOrEqualTo(price.cost(c));
    }

    @Property
    void tokensMovedFromFreshToCachedNeverRaiseTheCost(@ForAll("cachedCheaper") Price price,
            @ForAll("kinds") long[] k, @ForAll boolean audio, @ForAll @LongRange(min = 1, max = COUNTS) long moved) {
        int fresh = audio ? 1 : 0;
        long n = Math.min(moved, k[fresh]);
        long[] after = k.clone();
        after[fresh] -= n;
        after[fresh + 2] += n;
        assertThat(price.cost(counts(after))).isLessThanOrEqualTo(price.cost(counts(k)));
    }

    @Property
    void aPartLargerThanItsWholeCostsWhatTheWholeDoes(@ForAll("prices") Price price, @ForAll("kinds") long[] k,
            @ForAll @LongRange(min = 1, max = COUNTS) long over) {
        Counts c = counts(k);
        Counts cachedOver = new Counts(c.inputTokens(), c.outputTokens(), c.inputTokens() + over,
                c.audioInputTokens(), c.audioOutputTokens(), c.cachedAudioTokens(), c.reasoningTokens(),
                c.seconds(), 0);
        Counts cachedAll = new Counts(c.inputTokens(), c.outputTokens(), c.inputTokens(), c.audioInputTokens(),
                c.audioOutputTokens(), c.cachedAudioTokens(), c.reasoningTokens(), c.seconds(), 0);
        assertThat(price.cost(cachedOver)).isEqualTo(price.cost(cachedAll));
        Counts audioOver = new Counts(c.inputTokens(), c.outputTokens(), c.cachedTokens(), c.audioInputTokens(),
                c.outputTokens() + over, c.cachedAudioTokens(), c.reasoningTokens(), c.seconds(), 0);
        Counts audioAll = new Counts(c.inputTokens(), c.outputTokens(), c.cachedTokens(), c.audioInputTokens(),
                c.outputTokens(), c.cachedAudioTokens(), c.reasoningTokens(), c.seconds(), 0);
        assertThat(price.cost(audioOver)).isEqualTo(price.cost(audioAll));
    }

    @Property
    void tokensForIsTheMostOutputTheMoneyPaysFor(@ForAll("prices") Price price,
            @ForAll @LongRange(min = 0, max = Money.MAX_MICROS) long micros) {
        long tokens = price.tokensFor(micros);
        long perMillion = price.maxOutputPerMillion();
        if (perMillion == 0 || tokens > COUNTS) {
            return;
        }
        // Output of the dearest kind: reasoning, audio or text, whichever costs perMillion.
        Price onlyDearest = new Price(0, 0, 0, 0, perMillion, perMillion, perMillion, 0, "p");
        assertThat(onlyDearest.cost(Counts.ofKinds(0, 0, 0, 0, tokens, 0, 0, 0))).isLessThanOrEqualTo(micros);
        if (micros < Price.MAX_COST) {
            assertThat(onlyDearest.cost(Counts.ofKinds(0, 0, 0, 0, tokens + 1, 0, 0, 0))).isGreaterThan(micros);
        }
    }

    private static BigInteger ceil(BigInteger dividend, long divisor) {
        BigInteger d = BigInteger.valueOf(divisor);
        return dividend.add(d).subtract(BigInteger.ONE).divide(d);
    }
}

package dev.ephemera.pricing;

import io.micronaut.core.annotation.Nullable;
import java.math.BigInteger;

/**
 * One model's prices (SPEC §11), in micro-dollars per million tokens of each kind ({@code 4_000_000} is $4.00 per
 * million) and micro-dollars per minute for models billed by time, with where they were taken from. Whole
 * micro-dollars per million tokens hold every price a provider publishes; a cost is rounded up once per call of
 * {@link #cost}, never per kind, so a response is never billed less than its tokens cost.
 *
 * @param inputText        fresh (uncached) text input
 * @param inputAudio       fresh audio input
 * @param cachedInputText  text input read from the provider's cache
 * @param cachedInputAudio audio input read from the provider's cache
 * @param outputText       text output that is not reasoning
 * @param outputAudio      audio output
 * @param reasoning        reasoning output
 * @param perMinute        micro-dollars per minute of a session billed by time; 0 for none
 * @param source           where the prices come from, for operators (a file, a page, a date)
 */
public record Price(long inputText, long inputAudio, long cachedInputText, long cachedInputAudio, long outputText,
        long outputAudio, long reasoning, long perMinute, String source) {

    /** The highest price of any kind: a billion dollars per million tokens or per minute. */
    public static final long MAX_RATE = Money.MAX_MICROS;
    /** The highest cost {@link #cost} answers, so that costs added up stay far from overflow. */
    public static final long MAX_COST = Money.MAX_MICROS;

    private static final long MILLION = 1_000_000L;
    private static final BigInteger BIG_MILLION = BigInteger.valueOf(MILLION);

    public Price {
        long[] rates = {inputText, inputAudio, cachedInputText, cachedInputAudio, outputText, outputAudio, reasoning,
            perMinute};
        for (long rate : rates) {
            if (rate < 0 || rate > MAX_RATE) {
                throw new IllegalArgumentException("a price is between 0 and " + Money.format(MAX_RATE) + " dollars");
            }
        }
        if (source == null) {
            throw new IllegalArgumentException("a price has a source, empty if unknown");
        }
    }

    /** Named construction: the kinds a table gives, the others by the fallbacks of {@link Builder#build}. */
    public static Builder builder(String source) {
        return new Builder(source);
    }

    /**
     * What {@code usage} costs, in micro-dollars: each token priced once, by the most specific kind it belongs to
     * (fresh text and audio input, cached text and audio input, text output, audio output, reasoning), plus the
     * seconds at the per-minute price. A part reported larger than its whole is held within it (cached and audio
     * input within the input, cached audio within both, audio and reasoning output within the output), as
     * {@code session.Usage} holds it; negative counts count as 0. Token costs are added exactly and rounded up once;
     * the seconds' cost is rounded up once; the total is at most {@link #MAX_COST}.
     */
    public long cost(Billable<?> usage) {
        long input = Math.max(0, usage.inputTokens());
        long cached = within(usage.cachedTokens(), input);
        long audioIn = within(usage.audioInputTokens(), input);
        long cachedAudio = within(usage.cachedAudioTokens(), Math.min(cached, audioIn));
        long freshAudio = audioIn - cachedAudio;
        long freshText = Math.max(0, input - cached - freshAudio);
        long output = Math.max(0, usage.outputTokens());
        long audioOut = within(usage.audioOutputTokens(), output);
        long reasoningOut = within(usage.reasoningTokens(), output - audioOut);
        long textOut = output - audioOut - reasoningOut;
        long[] counts = {freshText, freshAudio, cached - cachedAudio, cachedAudio, textOut, audioOut, reasoningOut};
        long[] rates = {inputText, inputAudio, cachedInputText, cachedInputAudio, outputText, outputAudio, reasoning};
        long seconds = Math.max(0, usage.seconds());
        return Math.min(MAX_COST, tokensCost(counts, rates) + ceilDiv(multiply(seconds, perMinute), 60));
    }

    /** The highest output price, of text, audio or reasoning: what an output token may cost at most. */
    public long maxOutputPerMillion() {
        return Math.max(outputText, Math.max(outputAudio, reasoning));
    }

    /** The highest price of fresh input, text or audio: what an uncached input token may cost at most. */
    public long maxInputPerMillion() {
        return Math.max(inputText, inputAudio);
    }

    /**
     * How many output tokens {@code micros} pays for at {@link #maxOutputPerMillion} (rounded down): a cap on a
     * response's output that the money left cannot be overrun by. {@link Long#MAX_VALUE} when output is free; 0 for
     * no money.
     */
    public long tokensFor(long micros) {
        if (micros <= 0) {
            return 0;
        }
        long perMillion = maxOutputPerMillion();
        if (perMillion == 0) {
            return Long.MAX_VALUE;
        }
        BigInteger tokens = BigInteger.valueOf(micros).multiply(BIG_MILLION).divide(BigInteger.valueOf(perMillion));
        return tokens.bitLength() < Long.SIZE ? tokens.longValue() : Long.MAX_VALUE;
    }

    private static long within(long part, long whole) {
        return Math.min(Math.max(0, part), whole);
    }

    /** The sum of {@code counts[i] * rates[i]} per million, rounded up, exactly (128 bits when a long overflows). */
    private static long tokensCost(long[] counts, long[] rates) {
        try {
            long sum = 0;
            for (int i = 0; i < counts.length; i++) {
                sum = Math.addExact(sum, Math.multiplyExact(counts[i], rates[i]));
            }
            return Math.ceilDiv(sum, MILLION);
        } catch (ArithmeticException overflow) {
            BigInteger sum = BigInteger.ZERO;
            for (int i = 0; i < counts.length; i++) {
                sum = sum.add(BigInteger.valueOf(counts[i]).multiply(BigInteger.valueOf(rates[i])));
            }
            return saturated(sum.add(BIG_MILLION).subtract(BigInteger.ONE).divide(BIG_MILLION));
        }
    }

    /** {@code a * b} exactly: seconds times a price per minute may pass a long. */
    private static BigInteger multiply(long a, long b) {
        return BigInteger.valueOf(a).multiply(BigInteger.valueOf(b));
    }

    private static long ceilDiv(BigInteger dividend, long divisor) {
        BigInteger d = BigInteger.valueOf(divisor);
        return saturated(dividend.add(d).subtract(BigInteger.ONE).divide(d));
    }

    private static long saturated(BigInteger value) {
        return value.compareTo(BigInteger.valueOf(MAX_COST)) > 0 ? MAX_COST : value.longValue();
    }

    /** A price under construction: kinds not given take the fallbacks of {@link #build}. */
    public static final class Builder {

        private final String source;
        private @Nullable Long inputText;
        private @Nullable Long inputAudio;
        private @Nullable Long cachedInputText;
        private @Nullable Long cachedInputAudio;
        private @Nullable Long outputText;
        private @Nullable Long outputAudio;
        private @Nullable Long reasoning;
        private long perMinute;

        private Builder(String source) {
            this.source = source;
        }

        public Builder inputText(@Nullable Long perMillion) {
            this.inputText = perMillion;
            return this;
        }

        public Builder inputAudio(@Nullable Long perMillion) {
            this.inputAudio = perMillion;
            return this;
        }

        public Builder cachedInputText(@Nullable Long perMillion) {
            this.cachedInputText = perMillion;
            return this;
        }

        public Builder cachedInputAudio(@Nullable Long perMillion) {
            this.cachedInputAudio = perMillion;
            return this;
        }

        public Builder outputText(@Nullable Long perMillion) {
            this.outputText = perMillion;
            return this;
        }

        public Builder outputAudio(@Nullable Long perMillion) {
            this.outputAudio = perMillion;
            return this;
        }

        public Builder reasoning(@Nullable Long perMillion) {
            this.reasoning = perMillion;
            return this;
        }

        public Builder perMinute(@Nullable Long micros) {
            this.perMinute = micros == null ? 0 : micros;
            return this;
        }

        /**
         * The price, each kind not given taken from its nearest given one (design, issue 30): cached input at the
         * fresh price of the same modality, audio input at the text input price, audio output and reasoning at the
         * text output price; text input and output not given are 0 (a model billed by time only).
         */
        public Price build() {
            long text = inputText == null ? 0 : inputText;
            long audio = inputAudio == null ? text : inputAudio;
            long out = outputText == null ? 0 : outputText;
            return new Price(text, audio, cachedInputText == null ? text : cachedInputText,
                    cachedInputAudio == null ? audio : cachedInputAudio, out, outputAudio == null ? out : outputAudio,
                    reasoning == null ? out : reasoning, perMinute, source);
        }
    }
}

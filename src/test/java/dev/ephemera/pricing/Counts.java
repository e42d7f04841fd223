package dev.ephemera.pricing;

/** Counts as a test writes them, negative and parts larger than wholes included (which {@code Usage} refuses). */
record Counts(long inputTokens, long outputTokens, long cachedTokens, long audioInputTokens, long audioOutputTokens,
        long cachedAudioTokens, long reasoningTokens, long seconds, long cost) implements Billable<Counts> {

    static final Counts NONE = new Counts(0, 0, 0, 0, 0, 0, 0, 0, 0);

    /** Counts made of tokens of each kind, each kind apart: the wholes are the sums of their parts. */
    static Counts ofKinds(long freshText, long freshAudio, long cachedText, long cachedAudio, long textOut,
            long audioOut, long reasoning, long seconds) {
        return new Counts(freshText + freshAudio + cachedText + cachedAudio, textOut + audioOut + reasoning,
                cachedText + cachedAudio, freshAudio + cachedAudio, audioOut, cachedAudio, reasoning, seconds, 0);
    }

    @Override
    public Counts costing(long micros) {
        return new Counts(inputTokens, outputTokens, cachedTokens, audioInputTokens, audioOutputTokens,
                cachedAudioTokens, reasoningTokens, seconds, micros);
    }
}

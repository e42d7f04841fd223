package dev.ephemera.pricing;

/**
 * What a {@link Price} is applied to: the token counts a provider reported, by kind, and the seconds of a session
 * billed by time. Every input token is in {@link #inputTokens} (cached and audio ones as parts of it), every output
 * token in {@link #outputTokens} (audio and reasoning ones as parts of it). {@code session.Usage} is the one the
 * broker keeps; this interface lets pricing, a lower layer, price it without knowing the session.
 *
 * @param <B> the type that {@link #costing} answers, so a price sets the cost without losing the counts' own type
 */
public interface Billable<B extends Billable<B>> {

    long inputTokens();

    long outputTokens();

    /** Input tokens read from the provider's cache, text and audio. */
    long cachedTokens();

    long audioInputTokens();

    long audioOutputTokens();

    /** Cached input tokens that are audio. */
    long cachedAudioTokens();

    long reasoningTokens();

    long seconds();

    /** The same counts, costing {@code micros} micro-dollars. */
    B costing(long micros);
}

package dev.ephemera.session;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.ephemera.pricing.Billable;
import dev.ephemera.pricing.Money;
import io.micronaut.serde.annotation.Serdeable;
import io.micronaut.serde.config.naming.SnakeCaseStrategy;
import java.util.Map;

/**
 * What sessions and relayed requests used, as the provider reported it (SPEC §11), in one shape whatever the
 * provider's: every input token in {@code inputTokens}, cached ones included, with the cached, the audio and the
 * cached audio ones as parts of it; every output token in {@code outputTokens}, with the audio and the reasoning ones
 * as parts of it; the responses counted, the seconds of realtime sessions, and what it all cost in micro-dollars at
 * the prices of {@code ephemera.pricing} ({@code cost_usd} in JSON). A part never exceeds its whole
 * ({@link #ofResponse} keeps it so), so each token is priced once. Counts only grow; none is negative.
 */
@Serdeable(naming = SnakeCaseStrategy.class)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Usage(long inputTokens, long outputTokens, long totalTokens, long cachedTokens,
        long audioInputTokens, long audioOutputTokens, long cachedAudioTokens, long reasoningTokens,
        long responses, long seconds, @JsonIgnore long costMicros) implements Billable<Usage> {

    public static final Usage NONE = new Usage(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);

    /** The names of the counts as the store writes them, in this record's order. */
    public static final String[] FIELDS = {"input_tokens", "output_tokens", "total_tokens", "cached_tokens",
        "audio_input_tokens", "audio_output_tokens", "cached_audio_tokens", "reasoning_tokens", "responses", "seconds",
        "cost_micros"};

    public Usage {
        if (inputTokens < 0 || outputTokens < 0 || totalTokens < 0 || cachedTokens < 0 || audioInputTokens < 0
                || audioOutputTokens < 0 || cachedAudioTokens < 0 || reasoningTokens < 0 || responses < 0
                || seconds < 0 || costMicros < 0) {
            throw new IllegalArgumentException("usage counts are never negative");
        }
    }

    /** One response's tokens, without the parts that only some providers report. */
    public static Usage ofResponse(long input, long output, long total, long cached, long audioIn, long audioOut) {
        return ofResponse(input, output, total, cached, audioIn, audioOut, 0, 0);
    }

    /**
     * One response's tokens; the total is the provider's where it gave one, else input plus output. Each part is
     * held within its whole (cached and audio input within the input, cached audio within both, audio and reasoning
     * output within the output), however the provider reported them.
     */
    public static Usage ofResponse(long input, long output, long total, long cached, long audioIn, long audioOut,
            long cachedAudio, long reasoning) {
        long cachedPart = Math.min(cached, input);
        long audioInPart = Math.min(audioIn, input);
        long audioOutPart = Math.min(audioOut, output);
        return new Usage(input, output, total > 0 ? total : input + output, cachedPart, audioInPart, audioOutPart,
                Math.min(cachedAudio, Math.min(cachedPart, audioInPart)), Math.min(reasoning, output - audioOutPart),
                1, 0, 0);
    }

    public static Usage ofSeconds(long seconds) {
        return new Usage(0, 0, 0, 0, 0, 0, 0, 0, 0, seconds, 0);
    }

    /** These counts, costing {@code micros} (in place of what they were said to cost). */
    @Override
    public Usage costing(long micros) {
        return new Usage(inputTokens, outputTokens, totalTokens, cachedTokens, audioInputTokens, audioOutputTokens,
                cachedAudioTokens, reasoningTokens, responses, seconds, micros);
    }

    /** The cost as the API shows it: dollars with six fraction digits. */
    @JsonProperty("cost_usd")
    public String costUsd() {
        return Money.format(costMicros);
    }

    public Usage plus(Usage other) {
        long[] a = counts();
        long[] b = other.counts();
        for (int i = 0; i < a.length; i++) {
            a[i] = a[i] + b[i];
        }
        return of(a);
    }

    /** These counts less {@code other}'s, none below 0. */
    public Usage minus(Usage other) {
        long[] a = counts();
        long[] b = other.counts();
        for (int i = 0; i < a.length; i++) {
            a[i] = Math.max(0, a[i] - b[i]);
        }
        return of(a);
    }

    public boolean isNone() {
        return equals(NONE);
    }

    /** The counts by name ({@link #FIELDS}). */
    public long[] counts() {
        return new long[] {inputTokens, outputTokens, totalTokens, cachedTokens, audioInputTokens, audioOutputTokens,
            cachedAudioTokens, reasoningTokens, responses, seconds, costMicros};
    }

    private static Usage of(long[] c) {
        return new Usage(c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7], c[8], c[9], c[10]);
    }

    /** Reads counts by name; a missing or unreadable count is 0 (the store wrote only non-zero ones). */
    public static Usage of(Map<String, String> fields) {
        long[] counts = new long[FIELDS.length];
        for (int i = 0; i < FIELDS.length; i++) {
            String value = fields.get(FIELDS[i]);
            counts[i] = value == null ? 0 : Math.max(0, parse(value));
        }
        return of(counts);
    }

    private static long parse(String value) {
        try {
            return Long.parseLong(value);
        } catch (NumberFormatException e) {
            return 0;
        }
    }
}

package dev.ephemera.session;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.micronaut.serde.annotation.Serdeable;
import io.micronaut.serde.config.naming.SnakeCaseStrategy;
import java.util.Map;

/**
 * What sessions and relayed requests used, as the provider reported it (SPEC §11): tokens in and out, with the cached
 * and audio parts where the provider names them, the responses counted, and the seconds of realtime sessions.
 * Counts only grow; none is negative.
 */
@Serdeable(naming = SnakeCaseStrategy.class)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Usage(long inputTokens, long outputTokens, long totalTokens, long cachedTokens,
        long audioInputTokens, long audioOutputTokens, long responses, long seconds) {

    public static final Usage NONE = new Usage(0, 0, 0, 0, 0, 0, 0, 0);

    /** The names of the counts as the store and the API write them, in this record's order. */
    public static final String[] FIELDS = {"input_tokens", "output_tokens", "total_tokens", "cached_tokens",
        "audio_input_tokens", "audio_output_tokens", "responses", "seconds"};

    public Usage {
        if (inputTokens < 0 || outputTokens < 0 || totalTokens < 0 || cachedTokens < 0 || audioInputTokens < 0
                || audioOutputTokens < 0 || responses < 0 || seconds < 0) {
            throw new IllegalArgumentException("usage counts are never negative");
        }
    }

    /** One response's tokens; the total is the provider's where it gave one, else input plus output. */
    public static Usage ofResponse(long input, long output, long total, long cached, long audioIn, long audioOut) {
        return new Usage(input, output, total > 0 ? total : input + output, cached, audioIn, audioOut, 1, 0);
    }

    public static Usage ofSeconds(long seconds) {
        return new Usage(0, 0, 0, 0, 0, 0, 0, seconds);
    }

    public Usage plus(Usage other) {
        return new Usage(inputTokens + other.inputTokens, outputTokens + other.outputTokens,
                totalTokens + other.totalTokens, cachedTokens + other.cachedTokens,
                audioInputTokens + other.audioInputTokens, audioOutputTokens + other.audioOutputTokens,
                responses + other.responses, seconds + other.seconds);
    }

    /** These counts less {@code other}'s, none below 0. */
    public Usage minus(Usage other) {
        return new Usage(Math.max(0, inputTokens - other.inputTokens), Math.max(0, outputTokens - other.outputTokens),
                Math.max(0, totalTokens - other.totalTokens), Math.max(0, cachedTokens - other.cachedTokens),
                Math.max(0, audioInputTokens - other.audioInputTokens),
                Math.max(0, audioOutputTokens - other.audioOutputTokens), Math.max(0, responses - other.responses),
                Math.max(0, seconds - other.seconds));
    }

    public boolean isNone() {
        return equals(NONE);
    }

    /** The counts by name ({@link #FIELDS}). */
    public long[] counts() {
        return new long[] {inputTokens, outputTokens, totalTokens, cachedTokens, audioInputTokens, audioOutputTokens,
            responses, seconds};
    }

    /** Reads counts by name; a missing or unreadable count is 0 (the store wrote only non-zero ones). */
    public static Usage of(Map<String, String> fields) {
        long[] counts = new long[FIELDS.length];
        for (int i = 0; i < FIELDS.length; i++) {
            String value = fields.get(FIELDS[i]);
            counts[i] = value == null ? 0 : Math.max(0, parse(value));
        }
        return new Usage(counts[0], counts[1], counts[2], counts[3], counts[4], counts[5], counts[6], counts[7]);
    }

    private static long parse(String value) {
        try {
            return Long.parseLong(value);
        } catch (NumberFormatException e) {
            return 0;
        }
    }
}

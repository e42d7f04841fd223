package dev.ephemera.relay.event;

import dev.ephemera.session.Usage;
import io.micronaut.core.annotation.Nullable;
import java.math.BigDecimal;
import java.util.Map;

/**
 * A provider's usage object, in any of the shapes the relays meet, as one {@link Usage} of one response:
 * <ul>
 *   <li>OpenAI realtime and Responses: {@code input_tokens}, {@code output_tokens}, {@code total_tokens},
 *       {@code input_token_details}/{@code input_tokens_details} ({@code cached_tokens}, {@code audio_tokens}),
 *       {@code output_token_details} ({@code audio_tokens});</li>
 *   <li>OpenAI chat completions: {@code prompt_tokens}, {@code completion_tokens}, {@code total_tokens},
 *       {@code prompt_tokens_details}, {@code completion_tokens_details};</li>
 *   <li>Anthropic: {@code input_tokens}, {@code output_tokens}, {@code cache_read_input_tokens};</li>
 *   <li>Gemini's {@code usageMetadata}: {@code promptTokenCount}, {@code candidatesTokenCount},
 *       {@code totalTokenCount}, {@code cachedContentTokenCount}.</li>
 * </ul>
 * A count that is not a whole non-negative number is taken as 0; an object with no count at all is no usage.
 */
public final class UsageFields {

    private UsageFields() {
    }

    @Nullable
    public static Usage of(@Nullable Object usage) {
        if (!(usage instanceof Map<?, ?> u)) {
            return null;
        }
        long input = first(u, "input_tokens", "prompt_tokens", "promptTokenCount");
        long output = first(u, "output_tokens", "completion_tokens", "candidatesTokenCount");
        long total = first(u, "total_tokens", "totalTokenCount");
        long cached = first(u, "cache_read_input_tokens", "cachedContentTokenCount");
        Map<?, ?> in = object(u, "input_token_details", "input_tokens_details", "prompt_tokens_details");
        Map<?, ?> out = object(u, "output_token_details", "output_tokens_details", "completion_tokens_details");
        if (in != null) {
            cached = Math.max(cached, first(in, "cached_tokens"));
        }
        long audioIn = in == null ? 0 : first(in, "audio_tokens");
        long audioOut = out == null ? 0 : first(out, "audio_tokens");
        if (input == 0 && output == 0 && total == 0) {
            return null;
        }
        return Usage.ofResponse(input, output, total, cached, audioIn, audioOut);
    }

    private static long first(Map<?, ?> m, String... names) {
        for (String name : names) {
            if (m.get(name) instanceof BigDecimal n) {
                return count(n);
            }
        }
        return 0;
    }

    private static long count(BigDecimal n) {
        if (n.signum() < 0 || n.compareTo(BigDecimal.valueOf(Long.MAX_VALUE / 4)) > 0) {
            return 0;
        }
        try {
            return n.longValueExact();
        } catch (ArithmeticException e) {
            return 0;
        }
    }

    @Nullable
    private static Map<?, ?> object(Map<?, ?> m, String... names) {
        for (String name : names) {
            if (m.get(name) instanceof Map<?, ?> found) {
                return found;
            }
        }
        return null;
    }
}

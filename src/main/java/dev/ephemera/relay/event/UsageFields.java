package dev.ephemera.relay.event;

import dev.ephemera.session.Usage;
import io.micronaut.core.annotation.Nullable;
import java.math.BigDecimal;
import java.util.List;
import java.util.Map;

/**
 * A provider's usage object, in any of the shapes the relays meet, as one {@link Usage} of one response, in the one
 * shape {@link Usage} holds (every input token in the input, cached ones included; every output token in the output,
 * reasoning included), so that each token is priced once:
 * <ul>
 *   <li>OpenAI realtime and Responses: {@code input_tokens}, {@code output_tokens}, {@code total_tokens},
 *       {@code input_token_details}/{@code input_tokens_details} ({@code cached_tokens}, {@code audio_tokens},
 *       {@code cached_tokens_details.audio_tokens}), {@code output_token_details}/{@code output_tokens_details}
 *       ({@code audio_tokens}, {@code reasoning_tokens}); the input includes the cached tokens;</li>
 *   <li>OpenAI chat completions: {@code prompt_tokens}, {@code completion_tokens}, {@code total_tokens},
 *       {@code prompt_tokens_details}, {@code completion_tokens_details}, likewise;</li>
 *   <li>Anthropic: {@code input_tokens}, which does not include {@code cache_read_input_tokens} nor
 *       {@code cache_creation_input_tokens}: the three are added (the cache reads are the cached part);</li>
 *   <li>Gemini's {@code usageMetadata} (and the Live API's): {@code promptTokenCount} (cached included) with
 *       {@code toolUsePromptTokenCount}, {@code candidatesTokenCount} or {@code responseTokenCount} with
 *       {@code thoughtsTokenCount} (not included in them; the reasoning part), {@code cachedContentTokenCount}, and
 *       the per-modality lists ({@code promptTokensDetails}, {@code cacheTokensDetails},
 *       {@code candidatesTokensDetails}/{@code responseTokensDetails}: {@code AUDIO}).</li>
 * </ul>
 * A count present that is not a whole number from 0 to {@link #MAX_COUNT}, a details object that is not an object,
 * or a report of no input and no output (nothing, or only a total) is no usage the broker can read: under limits the
 * response then counts as all it held. Decisions are made on the strictly parsed numbers, never on text.
 */
public final class UsageFields {

    /** The largest count taken: far beyond any response, far from overflow when counts are added. */
    static final long MAX_COUNT = 1L << 40;

    private UsageFields() {
    }

    @Nullable
    public static Usage of(@Nullable Object usage) {
        if (!(usage instanceof Map<?, ?> u)) {
            return null;
        }
        try {
            return read(u);
        } catch (Unreadable e) {
            return null;
        }
    }

    /** A count the broker cannot take as it is: then none of the usage is taken (it counts as all it held). */
    private static final class Unreadable extends RuntimeException {
        private Unreadable() {
            super(null, null, false, false);
        }
    }

    @Nullable
    private static Usage read(Map<?, ?> u) {
        if (u.containsKey("promptTokenCount") || u.containsKey("candidatesTokenCount")
                || u.containsKey("responseTokenCount") || u.containsKey("totalTokenCount")) {
            return gemini(u);
        }
        long input = first(u, "input_tokens", "prompt_tokens");
        long output = first(u, "output_tokens", "completion_tokens");
        long total = first(u, "total_tokens");
        long cached = 0;
        if (u.containsKey("cache_read_input_tokens") || u.containsKey("cache_creation_input_tokens")) {
            cached = first(u, "cache_read_input_tokens");
            input = input + cached + first(u, "cache_creation_input_tokens");
        }
        Map<?, ?> in = object(u, "input_token_details", "input_tokens_details", "prompt_tokens_details");
        Map<?, ?> out = object(u, "output_token_details", "output_tokens_details", "completion_tokens_details");
        long audioIn = 0;
        long cachedAudio = 0;
        if (in != null) {
            cached = Math.max(cached, first(in, "cached_tokens"));
            audioIn = first(in, "audio_tokens");
            Map<?, ?> cachedDetails = object(in, "cached_tokens_details");
            cachedAudio = cachedDetails == null ? 0 : first(cachedDetails, "audio_tokens");
        }
        long audioOut = out == null ? 0 : first(out, "audio_tokens");
        long reasoning = out == null ? 0 : first(out, "reasoning_tokens");
        if (input == 0 && output == 0) {
            // Nothing, or only a total: what it was made of cannot be priced.
            return null;
        }
        return Usage.ofResponse(input, output, total, cached, audioIn, audioOut, cachedAudio, reasoning);
    }

    private static Usage gemini(Map<?, ?> u) {
        long input = first(u, "promptTokenCount") + first(u, "toolUsePromptTokenCount");
        long thoughts = first(u, "thoughtsTokenCount");
        long output = first(u, "candidatesTokenCount", "responseTokenCount") + thoughts;
        long total = first(u, "totalTokenCount");
        if (input == 0 && output == 0) {
            return null;
        }
        long audioIn = audio(u.get("promptTokensDetails")) + audio(u.get("toolUsePromptTokensDetails"));
        long audioOut = audio(u.get("candidatesTokensDetails")) + audio(u.get("responseTokensDetails"));
        return Usage.ofResponse(input, output, total, first(u, "cachedContentTokenCount"), audioIn, audioOut,
                audio(u.get("cacheTokensDetails")), thoughts);
    }

    /** The {@code AUDIO} count of a Gemini per-modality list ({@code [{modality, tokenCount}]}). */
    private static long audio(@Nullable Object details) {
        long audio = 0;
        if (details instanceof List<?> list) {
            for (Object entry : list) {
                if (entry instanceof Map<?, ?> m && "AUDIO".equals(m.get("modality"))) {
                    audio += first(m, "tokenCount");
                }
            }
        }
        return audio;
    }
    /** The first of {@code names} present (null counts as absent); one that is not a whole count is unreadable. */
    private static long first(Map<?, ?> m, String... names) {
        for (String name : names) {
            Object value = m.get(name);
            if (value != null) {
                return value instanceof BigDecimal n ? count(n) : unreadable();
            }
        }
        return 0;
    }

    private static long count(BigDecimal n) {
        if (n.signum() < 0 || n.compareTo(BigDecimal.valueOf(MAX_COUNT)) > 0) {
            return unreadable();
        }
        try {
            return n.longValueExact();
        } catch (ArithmeticException e) {
            return unreadable();
        }
    }

    private static long unreadable() {
        throw new Unreadable();
    }

    /** The first of {@code names} present; one that is not an object is unreadable. */
    @Nullable
    private static Map<?, ?> object(Map<?, ?> m, String... names) {
        for (String name : names) {
            Object value = m.get(name);
            if (value != null) {
                if (value instanceof Map<?, ?> found) {
                    return found;
                }
                unreadable();
            }
        }
        return null;
    }
}

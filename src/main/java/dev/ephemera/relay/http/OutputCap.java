package dev.ephemera.relay.http;

import dev.ephemera.relay.event.OutputBudget;
import java.util.Map;
import java.util.Set;

/**
 * Caps what a relayed HTTP request may have the provider write at what is left of its token's budget (SPEC §11), in
 * the provider's own field: {@code max_completion_tokens} on OpenAI's and Azure's chat completions (and
 * {@code max_tokens} where the client sent that), {@code max_tokens} on other chat completions and on Anthropic's
 * messages, {@code max_output_tokens} on Responses, {@code generationConfig.maxOutputTokens} on Gemini. A field
 * higher than the budget, or absent, is set to it; a lower one stays. The limit is per choice, so a request for
 * {@code n} choices ({@code candidateCount} on Gemini) gets the budget divided by them. An endpoint without such a
 * field is left alone ({@link #knows}: a limited token may not use it).
 */
final class OutputCap {

    private static final Set<String> OPENAI = Set.of("openai", "azure");

    private OutputCap() {
    }

    /** Whether a request to {@code provider}'s {@code path} has an output field this class caps. */
    static boolean knows(String provider, String path) {
        return path.endsWith("/chat/completions") || path.endsWith("/responses") || path.endsWith("/messages")
                || path.contains(":generateContent") || path.contains(":streamGenerateContent");
    }

    /**
     * The output a request asks for in all, across its choices: the highest whole number among the fields this class
     * caps, times the choices; 0 when it names none (or none that is a whole number).
     */
    static long asked(Map<String, Object> json) {
        long asked = 0;
        Object gemini = json.get("generationConfig") instanceof Map<?, ?> config ? config.get("maxOutputTokens") : null;
        Object[] fields = {json.get("max_tokens"), json.get("max_completion_tokens"), json.get("max_output_tokens"),
            gemini};
        for (Object value : fields) {
            if (value instanceof java.math.BigDecimal n && n.signum() > 0 && n.scale() <= 0
                    && n.compareTo(java.math.BigDecimal.valueOf(1_000_000_000L)) <= 0) {
                asked = Math.max(asked, n.longValue());
            }
        }
        return asked * Math.max(1, RelayedBody.choices(json));
    }

    /**
     * Caps the output field of {@code json}, the body of a request to {@code provider}'s {@code path}, at
     * {@code left} divided by the choices it asks for (at least 1 each).
     */
    static boolean cap(String provider, String path, Map<String, Object> json, long left) {
        long cap = Math.max(1, left / Math.max(1, RelayedBody.choices(json)));
        if (path.endsWith("/chat/completions")) {
            boolean openAi = OPENAI.contains(provider);
            return OutputBudget.lowered(json, "max_tokens", cap, !openAi)
                    | OutputBudget.lowered(json, "max_completion_tokens", cap,
                            openAi && !json.containsKey("max_tokens"));
        }
        if (path.endsWith("/responses")) {
            return OutputBudget.lowered(json, "max_output_tokens", cap, true);
        }
        if (path.endsWith("/messages")) {
            return OutputBudget.lowered(json, "max_tokens", cap, true);
        }
        if (path.contains(":generateContent") || path.contains(":streamGenerateContent")) {
            Map<String, Object> config = OutputBudget.copy(json.get("generationConfig"));
            boolean changed = OutputBudget.lowered(config, "maxOutputTokens", cap, true);
            json.put("generationConfig", config);
            return changed;
        }
        return false;
    }
}

package dev.ephemera.relay;

import dev.ephemera.relay.event.StrictJson;
import io.micronaut.http.HttpHeaders;
import io.micronaut.http.MutableHttpRequest;
import io.micronaut.http.body.AvailableByteBody;
import io.micronaut.http.body.CloseableAvailableByteBody;
import io.micronaut.http.netty.body.AvailableNettyByteBody;
import io.netty.buffer.Unpooled;
import java.math.BigDecimal;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Caps what a relayed HTTP request may have the provider write at what is left of its token's budget (SPEC §11), in
 * the provider's own field: {@code max_completion_tokens} on OpenAI's and Azure's chat completions (and
 * {@code max_tokens} where the client sent that), {@code max_tokens} on other chat completions and on Anthropic's
 * messages, {@code max_output_tokens} on Responses, {@code generationConfig.maxOutputTokens} on Gemini. A field
 * higher than the budget, or absent, is set to it; a lower one stays. A body that is not one strict JSON object,
 * or an endpoint without such a field, goes as it came.
 */
final class OutputCap {

    private static final Set<String> OPENAI = Set.of("openai", "azure");

    private OutputCap() {
    }

    /** The body to send instead, with {@code request}'s {@code Content-Length} set to match; empty: as it came. */
    static Optional<CloseableAvailableByteBody> capped(String provider, String path, MutableHttpRequest<?> request,
            AvailableByteBody body, long left) {
        if (!(StrictJson.parse(copy(body)).orElse(null) instanceof Map<?, ?> parsed)) {
            return Optional.empty();
        }
        Map<String, Object> json = mutable(parsed);
        long cap = Math.max(1, left);
        boolean changed;
        if (path.endsWith("/chat/completions")) {
            boolean openAi = OPENAI.contains(provider);
            changed = lower(json, "max_tokens", cap, !openAi)
                    | lower(json, "max_completion_tokens", cap, openAi && !json.containsKey("max_tokens"));
        } else if (path.endsWith("/responses")) {
            changed = lower(json, "max_output_tokens", cap, true);
        } else if (path.endsWith("/messages")) {
            changed = lower(json, "max_tokens", cap, true);
        } else if (path.contains(":generateContent") || path.contains(":streamGenerateContent")) {
            Map<String, Object> config = mutable(json.get("generationConfig") instanceof Map<?, ?> m ? m : Map.of());
            changed = lower(config, "maxOutputTokens", cap, true);
            json.put("generationConfig", config);
        } else {
            return Optional.empty();
        }
        if (!changed) {
            return Optional.empty();
        }
        byte[] rewritten = StrictJson.write(json);
        request.getHeaders().set(HttpHeaders.CONTENT_LENGTH, Integer.toString(rewritten.length));
        return Optional.of(new AvailableNettyByteBody(Unpooled.wrappedBuffer(rewritten)));
    }

    /** Lowers {@code field} to {@code cap} where it is higher or not a number, or sets it where absent and asked. */
    private static boolean lower(Map<String, Object> json, String field, long cap, boolean addIfAbsent) {
        Object value = json.get(field);
        boolean lower = value == null ? addIfAbsent
                : !(value instanceof BigDecimal n) || n.compareTo(BigDecimal.valueOf(cap)) > 0;
        if (lower) {
            json.put(field, BigDecimal.valueOf(cap));
        }
        return lower;
    }

    static byte[] copy(AvailableByteBody body) {
        try (CloseableAvailableByteBody copy = body.split()) {
            return copy.toByteArray();
        }
    }

    private static Map<String, Object> mutable(Map<?, ?> map) {
        Map<String, Object> out = new LinkedHashMap<>();
        map.forEach((k, v) -> out.put((String) k, v));
        return out;
    }
}

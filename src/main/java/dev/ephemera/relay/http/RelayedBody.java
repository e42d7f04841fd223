package dev.ephemera.relay.http;

import dev.ephemera.error.BrokerException;
import dev.ephemera.error.ErrorCode;
import dev.ephemera.json.StrictJson;
import dev.ephemera.token.Binding;
import dev.ephemera.token.Presented;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpHeaders;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.body.AvailableByteBody;
import io.micronaut.http.body.CloseableAvailableByteBody;
import java.math.BigDecimal;
import java.util.Map;

/**
 * A relayed HTTP request's body as the broker reads it, once, before the token's use is taken (SPEC §4, §7). Only a
 * body that is one strict JSON object is read (one the provider's parser might read differently — duplicate keys,
 * invalid UTF-8, trailing data — is not); its {@code model}, where present, must be a non-empty string (else
 * {@code model_not_allowed}). A body that is not read names no model ({@link Presented#NOTHING}, which a model-bound
 * token does not match). Whether the request's usage can be measured and capped is decided here too, and checked
 * against the token's limits in the same atomic step that takes its use ({@link Binding#measurable()}): a body that
 * is not read, or sent to an endpoint whose output the broker cannot cap, or that asks for choices in a way the cap
 * cannot cover, is not.
 *
 * @param json       the body as a strict JSON object; null when there is none or it is not JSON
 * @param model      the model it names, or {@link Presented#NOTHING}
 * @param size       its bytes: no tokenizer makes more input tokens of them (a money limit reserves their price)
 * @param measurable whether a limited token may send it
 */
record RelayedBody(@Nullable Map<String, Object> json, Presented model, boolean measurable, long size) {

    /** The most choices ({@code n}, {@code candidateCount}) a measured request may ask for. */
    static final int MAX_CHOICES = 128;

    static RelayedBody read(HttpRequest<?> request, @Nullable AvailableByteBody body, String provider, String path) {
        byte[] bytes = bytes(body);
        boolean capped = OutputCap.knows(provider, path);
        if (bytes.length == 0) {
            // Nothing to cap: the provider's own default output limit would apply.
            return new RelayedBody(null, Presented.NOTHING, false, bytes.length);
        }
        String encoding = request.getHeaders().get(HttpHeaders.CONTENT_ENCODING);
        boolean plain = encoding == null || encoding.isBlank() || encoding.trim().equalsIgnoreCase("identity");
        if (!plain || !isJson(request)) {
            // Not read: a bound model cannot be found in it (NOTHING matches none), nor its usage capped.
            return new RelayedBody(null, Presented.NOTHING, false, bytes.length);
        }
        if (!(StrictJson.parse(bytes).orElse(null) instanceof Map<?, ?> parsed)) {
            return new RelayedBody(null, Presented.NOTHING, false, bytes.length);
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> json = (Map<String, Object>) parsed;
        return new RelayedBody(json, model(json), capped && choicesCapped(json), bytes.length);
    }

    /** The body's model: absent names none; anything but a non-empty string is refused. */
    private static Presented model(Map<String, Object> json) {
        if (!json.containsKey("model")) {
            return Presented.NOTHING;
        }
        if (!(json.get("model") instanceof String model)) {
            throw new BrokerException(ErrorCode.MODEL_NOT_ALLOWED, "'model' must be a string.", "model");
        }
        return Presented.of(Binding.requestedModel(model));
    }

    /** How many choices {@code json} asks for: {@code n} or Gemini's {@code generationConfig.candidateCount}. */
    static long choices(Map<String, Object> json) {
        Object n = json.get("n");
        if (n == null && json.get("generationConfig") instanceof Map<?, ?> config) {
            n = config.get("candidateCount");
        }
        return n instanceof BigDecimal d ? d.longValue() : 1;
    }

    /**
     * Whether the choices asked for are a whole number the cap can be divided by, in the one spelling the cap
     * writes: Google's JSON also takes snake_case names ({@code generation_config}, {@code max_output_tokens},
     * {@code candidate_count}), which the cap would not see, so a body that uses them is not measured.
     */
    private static boolean choicesCapped(Map<String, Object> json) {
        if (json.containsKey("generation_config") || json.get("generationConfig") instanceof Map<?, ?> config
                && (config.containsKey("max_output_tokens") || config.containsKey("candidate_count"))) {
            return false;
        }
        Object n = json.get("n");
        Object candidates = json.get("generationConfig") instanceof Map<?, ?> config ? config.get("candidateCount")
                : null;
        return wholeChoices(n) && wholeChoices(candidates) && !json.containsKey("best_of");
    }

    private static boolean wholeChoices(@Nullable Object value) {
        if (value == null) {
            return true;
        }
        if (!(value instanceof BigDecimal d)) {
            return false;
        }
        try {
            long n = d.longValueExact();
            return n >= 1 && n <= MAX_CHOICES;
        } catch (ArithmeticException e) {
            return false;
        }
    }

    static boolean isJson(HttpRequest<?> request) {
        return request.getContentType().map(t -> t.getSubtype().equals("json") || t.getSubtype().endsWith("+json"))
                .orElse(false);
    }

    private static byte[] bytes(@Nullable AvailableByteBody body) {
        if (body == null) {
            return new byte[0];
        }
        try (CloseableAvailableByteBody copy = body.split()) {
            return copy.toByteArray();
        }
    }
}

package dev.ephemera.trace;

import io.micronaut.core.annotation.Nullable;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.common.AttributesBuilder;
import io.opentelemetry.api.trace.Span;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The attributes of OpenTelemetry's semantic conventions for generative AI that the broker's spans carry, and the
 * broker's own ({@code ephemera.*}: ids, never a secret). The provider's name is the conventions' well-known value
 * where there is one ({@code gcp.gemini} for {@code gemini}), else the broker's provider name.
 */
public final class GenAi {

    public static final AttributeKey<String> OPERATION = AttributeKey.stringKey("gen_ai.operation.name");
    public static final AttributeKey<String> PROVIDER = AttributeKey.stringKey("gen_ai.provider.name");
    public static final AttributeKey<String> MODEL = AttributeKey.stringKey("gen_ai.request.model");
    public static final AttributeKey<String> RESPONSE_ID = AttributeKey.stringKey("gen_ai.response.id");
    public static final AttributeKey<String> CONVERSATION = AttributeKey.stringKey("gen_ai.conversation.id");
    public static final AttributeKey<Long> INPUT_TOKENS = AttributeKey.longKey("gen_ai.usage.input_tokens");
    public static final AttributeKey<Long> OUTPUT_TOKENS = AttributeKey.longKey("gen_ai.usage.output_tokens");
    public static final AttributeKey<Long> CACHED_TOKENS = AttributeKey.longKey("gen_ai.usage.cache_read.input_tokens");
    public static final AttributeKey<Long> AUDIO_INPUT = AttributeKey.longKey("gen_ai.usage.audio.input_tokens");
    public static final AttributeKey<Long> AUDIO_OUTPUT = AttributeKey.longKey("gen_ai.usage.audio.output_tokens");
    public static final AttributeKey<Long> REASONING = AttributeKey.longKey("gen_ai.usage.reasoning.output_tokens");

    public static final AttributeKey<String> EPHEMERA_PROVIDER = AttributeKey.stringKey("ephemera.provider");
    public static final AttributeKey<String> TOKEN_ID = AttributeKey.stringKey("ephemera.token.id");
    public static final AttributeKey<String> KEY_ID = AttributeKey.stringKey("ephemera.key.id");
    public static final AttributeKey<String> SESSION_ID = AttributeKey.stringKey("ephemera.session.id");
    public static final AttributeKey<String> TRANSPORT = AttributeKey.stringKey("ephemera.transport");
    public static final AttributeKey<String> CLOSE_REASON = AttributeKey.stringKey("ephemera.close.reason");
    public static final AttributeKey<String> ERROR_TYPE = AttributeKey.stringKey("error.type");
    public static final AttributeKey<Long> RESPONSES = AttributeKey.longKey("ephemera.usage.responses");
    public static final AttributeKey<Double> COST = AttributeKey.doubleKey("ephemera.usage.cost_usd");

    private static final Map<String, String> WELL_KNOWN = Map.of("openai", "openai", "azure", "azure.ai.openai",
            "anthropic", "anthropic", "gemini", "gcp.gemini", "vertex", "gcp.vertex_ai", "mistral", "mistral_ai",
            "cohere", "cohere", "xai", "x_ai");

    private static final Pattern NAME = Pattern.compile("[\\x21-\\x7e]{1,128}");

    private GenAi() {
    }

    /** The conventions' name of a provider of the broker's. */
    public static String providerName(String provider) {
        return WELL_KNOWN.getOrDefault(provider, provider);
    }

    /**
     * Sets the provider (both names) and, when known, the model; each only when it is a {@link #name}, since both
     * may come from a request before anything checked them.
     */
    public static void provider(Span span, String provider, @Nullable String model) {
        if (name(provider) != null) {
            span.setAttribute(PROVIDER, providerName(provider));
            span.setAttribute(EPHEMERA_PROVIDER, provider);
        }
        if (name(model) != null) {
            span.setAttribute(MODEL, model);
        }
    }

    /**
     * {@code value} where it can name a provider or a model in a span (1 to 128 visible ASCII characters); else
     * null. A relayed request's model is the client's, unchecked when its token names none: a span (its name too)
     * never carries a client's kilobytes or control characters.
     */
    @Nullable
    public static String name(@Nullable String value) {
        return value != null && NAME.matcher(value).matches() ? value : null;
    }

    /**
     * A response's or a session's counts as the conventions name them (the cached, audio and reasoning ones only
     * when not zero), and its cost where it is priced.
     */
    public static Attributes usage(long input, long output, long cached, long audioInput, long audioOutput,
            long reasoning, long costMicros) {
        AttributesBuilder attributes = Attributes.builder().put(INPUT_TOKENS, input).put(OUTPUT_TOKENS, output);
        put(attributes, CACHED_TOKENS, cached);
        put(attributes, AUDIO_INPUT, audioInput);
        put(attributes, AUDIO_OUTPUT, audioOutput);
        put(attributes, REASONING, reasoning);
        if (costMicros > 0) {
            attributes.put(COST, costMicros / 1_000_000.0);
        }
        return attributes.build();
    }

    private static void put(AttributesBuilder attributes, AttributeKey<Long> key, long value) {
        if (value > 0) {
            attributes.put(key, value);
        }
    }
}

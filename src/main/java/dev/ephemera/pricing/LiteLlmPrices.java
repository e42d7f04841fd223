package dev.ephemera.pricing;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import dev.ephemera.json.JsonDepth;
import dev.ephemera.json.StrictJson;
import io.micronaut.core.annotation.Nullable;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads LiteLLM's {@code model_prices_and_context_window.json} ({@code ephemera.pricing.litellm-file}): an object of
 * models by name, each with its provider ({@code litellm_provider}) and prices in dollars per token. Per-token
 * dollars times 10^12 are micro-dollars per million tokens, rounded up where a price is finer than that. Read here:
 * {@code input_cost_per_token}, {@code output_cost_per_token} (both required), {@code cache_read_input_token_cost},
 * {@code input_cost_per_audio_token}, {@code output_cost_per_audio_token}, {@code cache_read_input_audio_token_cost}
 * and {@code output_cost_per_reasoning_token}; other kinds fall back as {@link Price.Builder#build} says. Not read:
 * cache writes ({@code cache_creation_*}: usage counts none), tiers above a context size, batch, flex and priority
 * prices, and per-second prices (of audio length in transcription and speech, not of a session's time).
 *
 * <p>Entries of providers the broker does not know, without both token prices, or with a price that is not a
 * non-negative number are left out; {@code provider/} (any of LiteLLM's names for the broker's provider, as
 * {@code vertex_ai/} for {@code vertex_ai-language-models}) is taken off a name that starts with it. The file as a
 * whole must be one JSON object; each entry is read by {@link StrictJson}, and an entry it refuses is left out.
 * LiteLLM's file has had the same model twice at times (Python keeps the last): a name read twice is priced by its
 * last entry, as LiteLLM prices it, and logged.
 */
final class LiteLlmPrices {

    /** The largest file read: LiteLLM's is about 1.6 MB. */
    static final int MAX_BYTES = 32 * 1024 * 1024;

    private static final Logger LOG = LoggerFactory.getLogger(LiteLlmPrices.class);
    /** Walks the outer object only, entry by entry; each entry's value is then read by {@link StrictJson}. */
    private static final JsonFactory OUTER = JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(JsonDepth.MAX).build()).build();
    /** Dollars per token below this are less than a micro-dollar per million: one, rounded up. */
    private static final BigDecimal MICRO_PER_MILLION = new BigDecimal("1e-12");
    private static final BigDecimal MAX_PER_TOKEN = BigDecimal.valueOf(Price.MAX_RATE).movePointLeft(12);
    /** LiteLLM's provider names, as the broker names them (SPEC §10); any other provider is left out. */
    private static final Map<String, String> PROVIDERS = Map.ofEntries(Map.entry("openai", "openai"),
            Map.entry("azure", "azure"), Map.entry("anthropic", "anthropic"), Map.entry("gemini", "gemini"),
            Map.entry("mistral", "mistral"), Map.entry("cohere", "cohere"), Map.entry("cohere_chat", "cohere"),
            Map.entry("xai", "xai"), Map.entry("moonshot", "kimi"), Map.entry("zai", "glm"),
            // Google's own models on Vertex AI; its other publishers' (vertex_ai-anthropic_models, …) are not relayed.
            Map.entry("vertex_ai-language-models", "vertex"), Map.entry("vertex_ai", "vertex"));

    private LiteLlmPrices() {
    }

    /**
     * The prices {@code json} holds, of the providers the broker knows.
     *
     * @throws IllegalArgumentException when {@code json} is not one JSON object of entries
     */
    static PriceTable read(byte[] json, String source) {
        if (json.length > MAX_BYTES) {
            throw new IllegalArgumentException("larger than " + MAX_BYTES + " bytes");
        }
        if (json.length >= 3 && (json[0] & 0xff) == 0xef && (json[1] & 0xff) == 0xbb && (json[2] & 0xff) == 0xbf) {
            throw new IllegalArgumentException("starts with a byte-order mark");
        }
        Map<String, byte[]> entries = new LinkedHashMap<>();
        int twice = 0;
        try (JsonParser parser = OUTER.createParser(json)) {
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                throw new IllegalArgumentException("not a JSON object");
            }
            for (JsonToken t = parser.nextToken(); t != JsonToken.END_OBJECT; t = parser.nextToken()) {
                String name = parser.currentName();
                JsonToken value = parser.nextToken();
                int start = (int) parser.currentTokenLocation().getByteOffset();
                parser.skipChildren();
                int end = (int) parser.currentLocation().getByteOffset();
                if (entries.containsKey(name)) {
                    entries.remove(name);
                    twice++;
                }
                entries.put(name, value == JsonToken.START_OBJECT ? Arrays.copyOfRange(json, start, end) : null);
            }
            if (parser.nextToken() != null) {
                throw new IllegalArgumentException("more than one JSON value");
            }
        } catch (IOException e) {
            throw new IllegalArgumentException("not valid JSON (byte " + offsetOf(e) + ")");
        }
        if (twice > 0) {
            LOG.info("{} model names appear twice in the LiteLLM price file; the last entry of each is read", twice);
        }
        return table(entries, source);
    }

    private static PriceTable table(Map<String, byte[]> entries, String source) {
        // Python's lookup and ours agree: a model's own name first, then its provider/name.
        Map<String, Price> byKey = new LinkedHashMap<>();
        Map<String, Price> prefixed = new LinkedHashMap<>();
        for (Map.Entry<String, byte[]> entry : entries.entrySet()) {
            if (entry.getValue() == null) {
                continue;
            }
            Object parsed = StrictJson.parse(entry.getValue()).orElse(null);
            if (!(parsed instanceof Map<?, ?> fields) || !(fields.get("litellm_provider") instanceof String theirs)
                    || !PROVIDERS.containsKey(theirs)) {
                continue;
            }
            Price price = price(fields, source);
            if (price == null) {
                continue;
            }
            String ours = PROVIDERS.get(theirs);
            String name = entry.getKey();
            int slash = name.indexOf('/');
            String prefix = slash < 0 ? "" : name.substring(0, slash);
            if (prefix.equals(theirs) || prefix.equals(ours) || ours.equals(PROVIDERS.get(prefix))) {
                prefixed.putIfAbsent(ours + ' ' + name.substring(slash + 1), price);
            } else {
                byKey.put(ours + ' ' + name, price);
            }
        }
        PriceTable.Builder table = PriceTable.builder();
        for (Map<String, Price> rows : List.of(byKey, prefixed)) {
            rows.forEach((key, price) -> {
                int space = key.indexOf(' ');
                String model = key.substring(space + 1);
                // A name ending in * would be a prefix in our table; LiteLLM has none, and none is made here.
                if (!model.isEmpty() && !model.endsWith("*")) {
                    table.add(key.substring(0, space), model, price);
                }
            });
        }
        return table.build();
    }

    /** The entry's price, or null when it has not both token prices or any price read is not a valid one. */
    private static @Nullable Price price(Map<?, ?> fields, String source) {
        Long[] rates = new Long[7];
        String[] names = {"input_cost_per_token", "input_cost_per_audio_token", "cache_read_input_token_cost",
            "cache_read_input_audio_token_cost", "output_cost_per_token", "output_cost_per_audio_token",
            "output_cost_per_reasoning_token"};
        for (int i = 0; i < names.length; i++) {
            Object value = fields.get(names[i]);
            if (value == null) {
                continue;
            }
            if (!(value instanceof BigDecimal usd)) {
                return null;
            }
            rates[i] = perMillion(usd);
            if (rates[i] == null) {
                return null;
            }
        }
        if (rates[0] == null || rates[4] == null) {
            return null;
        }
        return Price.builder(source).inputText(rates[0]).inputAudio(rates[1]).cachedInputText(rates[2])
                .cachedInputAudio(rates[3]).outputText(rates[4]).outputAudio(rates[5]).reasoning(rates[6]).build();
    }

    /** Dollars per token as micro-dollars per million tokens, rounded up; null when negative or too large. */
    static @Nullable Long perMillion(BigDecimal usdPerToken) {
        // Compared first: a number like 1e-999999999 is cheap to compare and costly to rescale.
        if (usdPerToken.signum() < 0 || usdPerToken.compareTo(MAX_PER_TOKEN) > 0) {
            return null;
        }
        if (usdPerToken.signum() == 0) {
            return 0L;
        }
        if (usdPerToken.compareTo(MICRO_PER_MILLION) < 0) {
            return 1L;
        }
        return usdPerToken.movePointRight(12).setScale(0, RoundingMode.CEILING).longValueExact();
    }

    private static long offsetOf(IOException e) {
        return e instanceof JsonProcessingException json && json.getLocation() != null
                ? json.getLocation().getByteOffset() : -1;
    }
}

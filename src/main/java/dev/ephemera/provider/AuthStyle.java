package dev.ephemera.provider;

import java.util.Locale;
import java.util.Map;

/** How a provider wants its key: each provider's own header (SPEC §5, "Relays"). */
public enum AuthStyle {
    /** {@code Authorization: Bearer <key>}: OpenAI, Mistral, Cohere, Hugging Face, GLM, Kimi, xAI. */
    BEARER,
    /** {@code x-api-key: <key>} and {@code anthropic-version}: Anthropic. */
    X_API_KEY,
    /** {@code api-key: <key>}: Azure OpenAI. */
    API_KEY,
    /** {@code x-goog-api-key: <key>}: Gemini. */
    GOOG_API_KEY;

    /** Every header a client could have used to send a credential; none is forwarded upstream. */
    public static final java.util.Set<String> CREDENTIAL_HEADERS = java.util.Set.of("authorization", "x-api-key",
            "api-key", "x-goog-api-key", "proxy-authorization", "cookie");

    /** The headers that carry {@code key} in this style. */
    public Map<String, String> headers(String key) {
        return switch (this) {
            case BEARER -> Map.of("Authorization", "Bearer " + key);
            case X_API_KEY -> Map.of("x-api-key", key);
            case API_KEY -> Map.of("api-key", key);
            case GOOG_API_KEY -> Map.of("x-goog-api-key", key);
        };
    }

    public String wireName() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    public static AuthStyle fromWire(String value) {
        for (AuthStyle s : values()) {
            if (s.wireName().equals(value)) {
                return s;
            }
        }
        throw new IllegalArgumentException("auth style must be bearer, x-api-key, api-key or goog-api-key, was "
                + value);
    }
}

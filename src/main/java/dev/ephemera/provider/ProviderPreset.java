package dev.ephemera.provider;

import io.micronaut.core.annotation.Nullable;
import java.util.Map;

/**
 * What Ephemera knows of each provider without configuration: its API's base URL, how it takes its key, the
 * environment variable that usually holds the key, and headers it always wants.
 *
 * @param keyProperty the usual environment variable as a Micronaut property ({@code OPENAI_API_KEY} is
 *                    {@code openai.api.key})
 */
record ProviderPreset(String name, String baseUrl, AuthStyle authStyle, String keyEnv, String keyProperty,
        Map<String, String> headers, @Nullable String realtimePath) {

    static final Map<String, ProviderPreset> ALL = Map.ofEntries(
            preset("openai", "https://api.openai.com/v1", AuthStyle.BEARER, "OPENAI_API_KEY", Map.of(), "/realtime"),
            preset("azure", "", AuthStyle.API_KEY, "AZURE_OPENAI_API_KEY", Map.of(), "/realtime"),
            preset("anthropic", "https://api.anthropic.com", AuthStyle.X_API_KEY, "ANTHROPIC_API_KEY",
                    Map.of("anthropic-version", "2023-06-01"), null),
            preset("gemini", "https://generativelanguage.googleapis.com", AuthStyle.GOOG_API_KEY, "GEMINI_API_KEY",
                    Map.of(), null),
            preset("mistral", "https://api.mistral.ai/v1", AuthStyle.BEARER, "MISTRAL_API_KEY", Map.of(), null),
            preset("cohere", "https://api.cohere.com", AuthStyle.BEARER, "COHERE_API_KEY", Map.of(), null),
            preset("huggingface", "https://router.huggingface.co/v1", AuthStyle.BEARER, "HF_TOKEN", Map.of(), null),
            preset("glm", "https://open.bigmodel.cn/api/paas/v4", AuthStyle.BEARER, "GLM_API_KEY", Map.of(), null),
            preset("kimi", "https://api.moonshot.ai/v1", AuthStyle.BEARER, "KIMI_API_KEY", Map.of(), null),
            preset("xai", "https://api.x.ai/v1", AuthStyle.BEARER, "XAI_API_KEY", Map.of(), "/realtime"));

    private static Map.Entry<String, ProviderPreset> preset(String name, String baseUrl, AuthStyle style,
            String keyEnv, Map<String, String> headers, @Nullable String realtimePath) {
        String property = keyEnv.toLowerCase(java.util.Locale.ROOT).replace('_', '.');
        return Map.entry(name, new ProviderPreset(name, baseUrl, style, keyEnv, property, headers, realtimePath));
    }
}

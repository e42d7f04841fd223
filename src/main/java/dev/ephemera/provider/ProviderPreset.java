package dev.ephemera.provider;

import io.micronaut.core.annotation.Nullable;
import java.util.List;
import java.util.Map;

/**
 * What Ephemera knows of each provider without configuration: its API's base URL, how it takes its key, the
 * environment variable that usually holds the key, and headers it always wants.
 *
 * @param keyProperty  the usual environment variable as a Micronaut property ({@code OPENAI_API_KEY} is
 *                     {@code openai.api.key}); Vertex AI's names its key file ({@link VertexProperties})
 * @param realtimePath where its realtime sessions are, after the base URL as {@code ws(s)} (Vertex AI's: after the
 *                     part of it before {@code /v1/projects/}); null for a provider without them
 */
record ProviderPreset(String name, String baseUrl, AuthStyle authStyle, String keyEnv, String keyProperty,
        Map<String, String> headers, @Nullable String realtimePath, List<String> endpoints) {

    /** OpenAI-compatible inference: what a browser's chat needs, nothing that manages the account. */
    private static final List<String> CHAT = List.of("POST /chat/completions", "POST /embeddings");
    private static final List<String> GEMINI = List.of("POST /v1beta/models/{model}:generateContent",
            "POST /v1beta/models/{model}:streamGenerateContent", "POST /v1beta/models/{model}:countTokens",
            "POST /v1/models/{model}:generateContent", "POST /v1/models/{model}:streamGenerateContent",
            "POST /v1/models/{model}:countTokens");
    /** Vertex AI: Google's models, under {@code …/v1/projects/{project}/locations/{location}/publishers/google}. */
    private static final List<String> VERTEX = List.of("POST /models/{model}:generateContent",
            "POST /models/{model}:streamGenerateContent", "POST /models/{model}:countTokens");

    // The HTTP relay's default scope per provider (SPEC §4): inference endpoints only. Never files, fine-tuning,
    // batches, the organisation, or a provider's own key minting (realtime/client_secrets): those would spend the
    // broker's key on what no browser token is for. Realtime sessions go through /v1/realtime and
    // /v1/realtime/calls, where the token's session config is enforced, never through the HTTP relay.
    static final Map<String, ProviderPreset> ALL = Map.ofEntries(
            preset("openai", "https://api.openai.com/v1", AuthStyle.BEARER, "OPENAI_API_KEY", Map.of(), "/realtime",
                    List.of("POST /chat/completions", "POST /responses", "POST /embeddings", "POST /audio/speech",
                            "POST /audio/transcriptions", "POST /audio/translations")),
            preset("azure", "", AuthStyle.API_KEY, "AZURE_OPENAI_API_KEY", Map.of(), "/realtime",
                    List.of("POST /deployments/{model}/chat/completions", "POST /deployments/{model}/embeddings",
                            "POST /deployments/{model}/audio/speech",
                            "POST /deployments/{model}/audio/transcriptions", "POST /v1/chat/completions",
                            "POST /v1/responses", "POST /v1/embeddings")),
            preset("anthropic", "https://api.anthropic.com", AuthStyle.X_API_KEY, "ANTHROPIC_API_KEY",
                    Map.of("anthropic-version", "2023-06-01"), null,
                    List.of("POST /v1/messages", "POST /v1/messages/count_tokens")),
            preset("gemini", "https://generativelanguage.googleapis.com", AuthStyle.GOOG_API_KEY, "GEMINI_API_KEY",
                    Map.of(), Provider.GEMINI_LIVE_PATH, GEMINI),
            // The base URL is made of the project and location (VertexLocation); the key is an access token.
            preset("vertex", "", AuthStyle.BEARER, "GOOGLE_APPLICATION_CREDENTIALS", Map.of(),
                    VertexLocation.LIVE_PATH, VERTEX),
            preset("mistral", "https://api.mistral.ai/v1", AuthStyle.BEARER, "MISTRAL_API_KEY", Map.of(), null,
                    List.of("POST /chat/completions", "POST /fim/completions", "POST /embeddings")),
            preset("cohere", "https://api.cohere.com", AuthStyle.BEARER, "COHERE_API_KEY", Map.of(), null,
                    List.of("POST /v2/chat", "POST /v2/embed", "POST /v2/rerank")),
            preset("huggingface", "https://router.huggingface.co/v1", AuthStyle.BEARER, "HF_TOKEN", Map.of(), null,
                    CHAT),
            // GLM (Zhipu) and Kimi (Moonshot) as their users name them: the international endpoint under the
            // provider's name, the mainland China one beside it; one key variable each (SPEC §1).
            preset("glm", "https://api.z.ai/api/paas/v4", AuthStyle.BEARER, "GLM_API_KEY", Map.of(), null, CHAT),
            preset("zhipu", "https://open.bigmodel.cn/api/paas/v4", AuthStyle.BEARER, "GLM_API_KEY", Map.of(), null,
                    CHAT),
            preset("kimi", "https://api.moonshot.ai/v1", AuthStyle.BEARER, "KIMI_API_KEY", Map.of(), null, CHAT),
            preset("kimi-cn", "https://api.moonshot.cn/v1", AuthStyle.BEARER, "KIMI_API_KEY", Map.of(), null, CHAT),
            preset("xai", "https://api.x.ai/v1", AuthStyle.BEARER, "XAI_API_KEY", Map.of(), "/realtime",
                    List.of("POST /chat/completions", "POST /responses", "POST /embeddings")));

    private static Map.Entry<String, ProviderPreset> preset(String name, String baseUrl, AuthStyle style,
            String keyEnv, Map<String, String> headers, @Nullable String realtimePath, List<String> endpoints) {
        String property = keyEnv.toLowerCase(java.util.Locale.ROOT).replace('_', '.');
        return Map.entry(name, new ProviderPreset(name, baseUrl, style, keyEnv, property, headers, realtimePath,
                endpoints));
    }
}

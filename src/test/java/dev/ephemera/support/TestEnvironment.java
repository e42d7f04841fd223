package dev.ephemera.support;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * What no test sees of the developer's environment (SPEC §9): the variables that configure a broker. Whoever runs a
 * broker has them exported, and a test that saw them would write to that broker's Redis ({@code REDIS_URI}), take
 * its settings or environments ({@code EPHEMERA_*}, {@code MICRONAUT_*}) or send a real provider key upstream.
 * They are hidden from every application context a test builds ({@link HiddenEnvironmentConfigurer}) and from every
 * process a test starts ({@link Processes#builder}); what a process needs, its test gives it.
 */
public final class TestEnvironment {

    /** The store's ({@code REDIS_URI}, {@code REDIS_URIS}), the broker's own and Micronaut's variables. */
    private static final List<String> PREFIXES = List.of("REDIS_", "EPHEMERA_", "MICRONAUT_");

    /**
     * The providers' key variables: those the presets read (provider.ProviderPreset, checked by
     * ProviderKeysHiddenFromTestsTest) and the other names the providers' own SDKs read; Vertex AI's project and
     * location too, which enable it (and Google's auth library reads GOOGLE_APPLICATION_CREDENTIALS itself).
     */
    private static final Set<String> PROVIDER_KEYS = Set.of("OPENAI_API_KEY", "AZURE_OPENAI_API_KEY",
            "ANTHROPIC_API_KEY", "GEMINI_API_KEY", "GOOGLE_API_KEY", "MISTRAL_API_KEY", "COHERE_API_KEY", "CO_API_KEY",
            "HF_TOKEN", "HUGGINGFACE_API_KEY", "GLM_API_KEY", "ZHIPUAI_API_KEY", "KIMI_API_KEY", "MOONSHOT_API_KEY",
            "XAI_API_KEY", "GOOGLE_APPLICATION_CREDENTIALS", "GOOGLE_CLOUD_PROJECT", "GOOGLE_CLOUD_LOCATION");

    private TestEnvironment() {
    }

    /** Whether a test must not see the variable {@code name}; case-blind, as Micronaut reads names. */
    public static boolean hidden(String name) {
        String upper = name.toUpperCase(Locale.ROOT);
        return PROVIDER_KEYS.contains(upper) || PREFIXES.stream().anyMatch(upper::startsWith);
    }

    /** Removes the hidden variables from a child process's {@code environment}. */
    public static void scrub(Map<String, String> environment) {
        environment.keySet().removeIf(TestEnvironment::hidden);
    }
}

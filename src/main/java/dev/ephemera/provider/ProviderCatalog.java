package dev.ephemera.provider;

import io.micronaut.context.env.Environment;
import jakarta.inject.Singleton;
import java.util.Set;
import java.util.TreeSet;

/**
 * The provider names a token may be bound to: the built-in presets and any custom provider configured under
 * {@code ephemera.providers.<name>}. Whether a provider has a key to relay with is the relays' concern.
 */
@Singleton
public final class ProviderCatalog {

    public static final Set<String> PRESETS = Set.of("openai", "anthropic", "gemini", "mistral", "cohere",
            "huggingface", "glm", "kimi", "azure", "xai");

    private final Set<String> names;

    ProviderCatalog(Environment environment) {
        Set<String> all = new TreeSet<>(PRESETS);
        all.addAll(environment.getPropertyEntries("ephemera.providers"));
        this.names = Set.copyOf(all);
    }

    public boolean isKnown(String name) {
        return names.contains(name);
    }

    public Set<String> names() {
        return names;
    }
}

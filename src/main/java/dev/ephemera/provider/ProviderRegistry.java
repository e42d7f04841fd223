package dev.ephemera.provider;

import dev.ephemera.error.BrokerException;
import dev.ephemera.error.ErrorCode;
import io.micronaut.context.annotation.Context;
import io.micronaut.context.env.Environment;
import io.micronaut.core.annotation.Nullable;
import jakarta.annotation.PreDestroy;
import java.net.URI;
import java.time.Clock;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every provider a token may be bound to: the presets, overridden by {@code ephemera.providers.<name>}, and custom
 * providers from configuration. A provider is enabled when it has a key: from configuration, from its usual
 * environment variable ({@code OPENAI_API_KEY}, …) or from a key file; Vertex AI when it has a project
 * ({@link VertexProviders}). Built at start-up, so a bad base URL or auth style stops the boot.
 */
@Context
public final class ProviderRegistry {

    private static final Logger LOG = LoggerFactory.getLogger(ProviderRegistry.class);

    private final Map<String, Provider> providers;

    ProviderRegistry(List<ProviderProperties> configured, List<LocalProvider> local, Environment environment,
            VertexProperties vertex, Clock clock) {
        Map<String, ProviderProperties> byName = new HashMap<>();
        configured.forEach(p -> byName.put(p.name(), p));
        Map<String, Provider> all = new TreeMap<>();
        for (ProviderPreset preset : ProviderPreset.ALL.values()) {
            ProviderProperties props = byName.remove(preset.name());
            all.put(preset.name(), preset.name().equals(VertexProviders.NAME)
                    ? VertexProviders.build(preset, props, vertex, environment, clock)
                    : build(preset.name(), preset, props, null, environment));
        }
        for (LocalProvider provider : local) {
            if (all.containsKey(provider.name()) || byName.containsKey(provider.name())) {
                throw new IllegalStateException("ephemera.providers." + provider.name() + ": that name is the "
                        + "built-in development provider's; name yours differently");
            }
            all.put(provider.name(), build(provider.name(), null, new ProviderProperties(provider.name(),
                    provider.baseUrl().toString(), null, null, null, null, null, null, null, provider.endpoints()),
                    KeySource.of(provider.apiKey(), "built in, made at start-up"), environment).speakingBoth());
        }
        for (ProviderProperties custom : byName.values()) {
            all.put(custom.name(), build(custom.name(), null, custom, null, environment));
        }
        this.providers = Map.copyOf(all);
        providers.values().forEach(Provider::start);
        List<String> enabled = providers.values().stream().filter(Provider::isConfigured).map(Provider::name)
                .toList();
        LOG.info("Providers with a key: {}", enabled.isEmpty() ? "none" : String.join(", ", enabled));
    }

    private static Provider build(String name, @Nullable ProviderPreset preset, @Nullable ProviderProperties props,
            @Nullable KeySource key, Environment environment) {
        if (!name.matches("[a-z0-9_-]{1,32}")) {
            throw new IllegalStateException("ephemera.providers." + name + ": provider names are lower-case "
                    + "letters, digits, '-' and '_'");
        }
        String baseUrl = props != null && props.baseUrl() != null ? props.baseUrl()
                : preset != null ? preset.baseUrl() : null;
        if ("azure".equals(name) && (baseUrl == null || baseUrl.isEmpty())) {
            baseUrl = environment.getProperty("azure.openai.endpoint", String.class)
                    .map(e -> stripSlash(e) + "/openai").orElse("");
        }
        if (baseUrl == null) {
            throw new IllegalStateException("ephemera.providers." + name + ".base-url is required for a custom "
                    + "provider");
        }
        URI base = baseUri(name, stripSlash(baseUrl));
        AuthStyle style = props != null && props.authStyle() != null ? AuthStyle.fromWire(props.authStyle())
                : preset != null ? preset.authStyle() : AuthStyle.BEARER;
        Map<String, String> headers = headers(name, preset, props);
        // OpenAI's realtime protocol under the base URL, unless the preset names its own (Gemini's Live API).
        URI realtime = props != null && props.realtimeUrl() != null ? URI.create(props.realtimeUrl())
                : base.toString().isEmpty() ? base
                : URI.create(base.toString().replaceFirst("^http", "ws")
                        + (preset != null && preset.realtimePath() != null ? preset.realtimePath() : "/realtime"));
        return new Provider(name, base, realtime, style, headers, key != null ? key : primary(preset, props,
                environment), secondary(props), endpoints(name, preset, props));
    }

    /** The preset's headers and the configured ones; none may carry a credential. */
    static Map<String, String> headers(String name, @Nullable ProviderPreset preset,
            @Nullable ProviderProperties props) {
        Map<String, String> headers = new LinkedHashMap<>(preset != null ? preset.headers() : Map.of());
        if (props != null && props.headers() != null) {
            headers.putAll(props.headers());
        }
        for (String header : headers.keySet()) {
            if (AuthStyle.CREDENTIAL_HEADERS.contains(header.toLowerCase(java.util.Locale.ROOT))) {
                throw new IllegalStateException("ephemera.providers." + name + ".headers may not set " + header
                        + "; give the key as api-key");
            }
        }
        return headers;
    }

    /** The configured allowed endpoints, else the preset's. */
    static List<EndpointPattern> endpoints(String name, @Nullable ProviderPreset preset,
            @Nullable ProviderProperties props) {
        List<String> endpoints = props != null && props.allowedEndpoints() != null ? props.allowedEndpoints()
                : preset != null ? preset.endpoints() : List.of();
        return endpoints.stream().map(e -> {
            try {
                return EndpointPattern.parse(e);
            } catch (IllegalArgumentException bad) {
                throw new IllegalStateException("ephemera.providers." + name + ".allowed-endpoints: " + bad.getMessage()
                        + ", was " + e);
            }
        }).toList();
    }

    private static KeySource primary(@Nullable ProviderPreset preset, @Nullable ProviderProperties props,
            Environment environment) {
        if (props != null && props.apiKey() != null && !props.apiKey().isBlank()) {
            return KeySource.of(props.apiKey(), "ephemera.providers." + props.name() + ".api-key");
        }
        if (props != null && props.apiKeyFile() != null) {
            return KeySource.file(props.apiKeyFile());
        }
        if (preset != null) {
            Optional<String> fromEnv = environment.getProperty(preset.keyProperty(), String.class);
            if (fromEnv.isPresent() && !fromEnv.get().isBlank()) {
                return KeySource.of(fromEnv.get(), "env " + preset.keyEnv());
            }
        }
        return KeySource.none();
    }

    private static KeySource secondary(@Nullable ProviderProperties props) {
        if (props == null) {
            return KeySource.none();
        }
        if (props.secondaryApiKey() != null && !props.secondaryApiKey().isBlank()) {
            return KeySource.of(props.secondaryApiKey(), "ephemera.providers." + props.name() + ".secondary-api-key");
        }
        return props.secondaryApiKeyFile() == null ? KeySource.none() : KeySource.file(props.secondaryApiKeyFile());
    }

    static URI baseUri(String name, String baseUrl) {
        if (baseUrl.isEmpty()) {
            return URI.create("");
        }
        URI uri = URI.create(baseUrl);
        if (uri.getScheme() == null || !(uri.getScheme().equals("https") || uri.getScheme().equals("http"))
                || uri.getHost() == null || uri.getRawQuery() != null || uri.getRawUserInfo() != null) {
            throw new IllegalStateException("ephemera.providers." + name + ".base-url must be an http(s) URL "
                    + "without query or user info, was " + baseUrl);
        }
        return uri;
    }

    static String stripSlash(String s) {
        return s.endsWith("/") ? s.substring(0, s.length() - 1) : s;
    }

    /** Whether tokens may name this provider. */
    public boolean isKnown(String name) {
        return providers.containsKey(name);
    }

    public Set<String> names() {
        return providers.keySet();
    }

    /** The provider of that name, configured or not. */
    public Optional<Provider> find(String name) {
        return Optional.ofNullable(providers.get(name));
    }

    /**
     * The provider, with a key.
     *
     * @throws BrokerException {@code unknown_provider} for a name that is no provider, {@code
     *                         provider_not_configured} for one without a key or base URL
     */
    public Provider require(String name) {
        Provider provider = providers.get(name);
        if (provider == null) {
            throw new BrokerException(ErrorCode.UNKNOWN_PROVIDER, "Unknown provider. Use one of "
                    + String.join(", ", names()) + ".", "provider");
        }
        if (!provider.isConfigured()) {
            throw new BrokerException(ErrorCode.PROVIDER_NOT_CONFIGURED, "Provider '" + name
                    + "' has no API key on this broker; an operator must configure it.", "provider");
        }
        return provider;
    }

    /**
     * The headers that carry provider {@code name}'s key upstream, read now.
     *
     * @throws BrokerException as {@link #require}, {@code provider_not_configured} when the key is gone, and
     *                         {@code upstream_error} while Vertex AI holds no unexpired access token
     */
    public Map<String, String> upstreamHeaders(String name) {
        return require(name).upstreamHeaders().orElseThrow(() -> new BrokerException(
                ErrorCode.PROVIDER_NOT_CONFIGURED, "Provider '" + name + "' has no API key on this broker; an "
                        + "operator must configure it.", "provider"));
    }

    /** The canonical form of {@code endpoint} when it is one that provider {@code name} allows. */
    public Optional<String> endpointOf(String name, String endpoint) {
        Provider provider = providers.get(name);
        return provider == null ? Optional.empty() : provider.allowedEndpoint(endpoint).map(Object::toString);
    }

    List<Provider> all() {
        return List.copyOf(providers.values());
    }

    /** Stops what providers run in the background (Vertex AI's token refresh). */
    @PreDestroy
    void close() {
        providers.values().forEach(Provider::close);
    }
}

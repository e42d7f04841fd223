package dev.ephemera.provider;

import io.micronaut.context.env.Environment;
import io.micronaut.core.annotation.Nullable;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;

/**
 * Builds the {@code vertex} provider (Google Vertex AI) from {@link VertexProperties} and the environment Google's
 * tools read. It is enabled when a project is known ({@code ephemera.providers.vertex.project}, else
 * {@code GOOGLE_CLOUD_PROJECT}); any {@code ephemera.providers.vertex.*} setting without one stops the boot, and so
 * does an API key, which Vertex AI does not take. Its base URL is the location's ({@link VertexLocation}) unless
 * {@code base-url} is set; its credential is a service account's key file ({@code credentials-file}, else
 * {@code GOOGLE_APPLICATION_CREDENTIALS}) or Application Default Credentials.
 */
final class VertexProviders {

    static final String NAME = "vertex";
    static final String DEFAULT_LOCATION = "us-central1";

    private VertexProviders() {
    }

    static Provider build(ProviderPreset preset, @Nullable ProviderProperties props, VertexProperties vertex,
            Environment environment, Clock clock) {
        String prefix = "ephemera.providers." + NAME;
        if (props != null && (props.apiKey() != null || props.apiKeyFile() != null || props.secondaryApiKey() != null
                || props.secondaryApiKeyFile() != null || props.authStyle() != null)) {
            throw new IllegalStateException(prefix + " takes no api-key, api-key-file, secondary key or auth-style: "
                    + "Vertex AI is called with a Google access token, from credentials-file (a service account's "
                    + "key) or Application Default Credentials");
        }
        String project = first(vertex.project(), environment, "google.cloud.project");
        if (project == null) {
            if (props != null) {
                throw new IllegalStateException(prefix + ".project (or GOOGLE_CLOUD_PROJECT) is required: the "
                        + "Google Cloud project whose Vertex AI the broker calls");
            }
            // Not configured: known, but no token may be minted for it (provider_not_configured).
            URI none = URI.create("");
            return new Provider(NAME, none, none, AuthStyle.BEARER, Map.of(), KeySource.none(), KeySource.none(),
                    ProviderRegistry.endpoints(NAME, preset, null));
        }
        String where = first(vertex.location(), environment, "google.cloud.location");
        VertexLocation location;
        try {
            location = new VertexLocation(project, where == null ? DEFAULT_LOCATION : where);
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
        URI base = ProviderRegistry.baseUri(NAME, ProviderRegistry.stripSlash(props != null && props.baseUrl() != null
                ? props.baseUrl() : location.baseUrl()));
        URI live = props != null && props.realtimeUrl() != null ? URI.create(props.realtimeUrl())
                : VertexLocation.liveUri(base);
        String file = first(vertex.credentialsFile(), environment, "google.application.credentials");
        GoogleAccessTokens tokens = file != null ? GoogleAccessTokens.fromKeyFile(Path.of(file), clock)
                : GoogleAccessTokens.applicationDefault(clock);
        return Provider.vertex(NAME, base, live, ProviderRegistry.headers(NAME, preset, props),
                ProviderRegistry.endpoints(NAME, preset, props), location, tokens);
    }

    /** The configured value, else the environment's property (Google's variable), else null; blank is absent. */
    @Nullable
    private static String first(@Nullable String configured, Environment environment, String property) {
        if (configured != null && !configured.isBlank()) {
            return configured.trim();
        }
        return environment.getProperty(property, String.class).filter(v -> !v.isBlank()).map(String::trim)
                .orElse(null);
    }
}

package dev.ephemera.provider;

import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.core.annotation.Nullable;

/**
 * What only the {@code vertex} provider (Google Vertex AI) takes, beside {@code ephemera.providers.vertex.*}'s
 * common settings ({@link ProviderProperties}: base URL, realtime URL, headers, allowed endpoints). Vertex AI takes
 * no API key: its credential is a Google access token ({@link GoogleAccessTokens}).
 *
 * @param project         the Google Cloud project whose Vertex AI is called; else env {@code GOOGLE_CLOUD_PROJECT}.
 *                        The provider is enabled when one is known
 * @param location        the region ({@code us-central1}) or {@code global}; else env {@code GOOGLE_CLOUD_LOCATION},
 *                        else {@code us-central1}
 * @param credentialsFile a service account's key file (a mounted Secret); else env
 *                        {@code GOOGLE_APPLICATION_CREDENTIALS}; else Application Default Credentials
 */
@ConfigurationProperties("ephemera.providers.vertex")
record VertexProperties(@Nullable String project, @Nullable String location, @Nullable String credentialsFile) {

    static final VertexProperties NONE = new VertexProperties(null, null, null);
}

package dev.ephemera.provider;

import io.micronaut.context.annotation.EachProperty;
import io.micronaut.context.annotation.Parameter;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.core.convert.format.MapFormat;
import io.micronaut.core.naming.conventions.StringConvention;
import java.util.List;
import java.util.Map;

/**
 * One provider's settings ({@code ephemera.providers.<name>.*}); every field overrides the preset, and a name
 * that is no preset is a custom provider, which needs at least {@code base-url}.
 *
 * @param apiKeyFile          a file holding the key (a mounted Secret); re-read when it changes
 * @param secondaryApiKey     the key used while the primary is absent, for rotation without downtime
 * @param authStyle           bearer, x-api-key, api-key or goog-api-key
 * @param realtimeUrl         the realtime WebSocket URL, when it is not the base URL's {@code /realtime}
 * @param allowedEndpoints    what the HTTP relay may reach ({@code "POST /chat/completions"}); replaces the preset's
 */
@EachProperty("ephemera.providers")
public record ProviderProperties(
        @Parameter String name,
        @Nullable String baseUrl,
        @Nullable String apiKey,
        @Nullable String apiKeyFile,
        @Nullable String secondaryApiKey,
        @Nullable String secondaryApiKeyFile,
        @Nullable @MapFormat(transformation = MapFormat.MapTransformation.FLAT, keyFormat = StringConvention.RAW)
        Map<String, String> headers,
        @Nullable String authStyle,
        @Nullable String realtimeUrl,
        @Nullable List<String> allowedEndpoints) {
}

package dev.ephemera.web;

import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.core.annotation.Nullable;
import java.util.List;

/**
 * Origins allowed to call the broker from a browser ({@code ephemera.cors.allowed-origins}), besides those of
 * the profiles. Never {@code *}.
 */
@ConfigurationProperties("ephemera.cors")
public record CorsConfiguration(@Nullable List<String> allowedOrigins) {
}

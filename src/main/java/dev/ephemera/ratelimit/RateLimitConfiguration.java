package dev.ephemera.ratelimit;

import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.context.annotation.Context;
import io.micronaut.core.bind.annotation.Bindable;

/**
 * Mint limits ({@code ephemera.rate-limits.*}), per minute, counted across replicas.
 *
 * @param perKeyPerMinute             mints per API key, for keys without their own {@code rate_limit_per_minute}
 * @param perSubjectPerMinute         {@code /realtime-token} mints per user ({@code sub})
 * @param perIpPerMinute              {@code /realtime-token} mints per client IP
 * @param maxConcurrentSessionsPerKey realtime sessions open at once on tokens minted by one API key
 */
@Context
@ConfigurationProperties("ephemera.rate-limits")
public record RateLimitConfiguration(
        @Bindable(defaultValue = "600") int perKeyPerMinute,
        @Bindable(defaultValue = "30") int perSubjectPerMinute,
        @Bindable(defaultValue = "60") int perIpPerMinute,
        @Bindable(defaultValue = "100") int maxConcurrentSessionsPerKey) {

    public RateLimitConfiguration {
        if (perKeyPerMinute < 1 || perSubjectPerMinute < 1 || perIpPerMinute < 1 || maxConcurrentSessionsPerKey < 1) {
            throw new IllegalArgumentException("ephemera.rate-limits.* must all be at least 1");
        }
    }
}

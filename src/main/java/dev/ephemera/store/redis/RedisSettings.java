package dev.ephemera.store.redis;

import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.core.bind.annotation.Bindable;
import java.time.Duration;

/**
 * Connection limits for the Redis store ({@code ephemera.redis.*}).
 *
 * @param commandTimeout   longest wait for one command before the request fails with {@code 503}
 * @param connectTimeout   longest wait for a TCP connect
 * @param requestQueueSize commands that may wait on each connection at once; more are refused, not queued
 */
@ConfigurationProperties("ephemera.redis")
record RedisSettings(
        @Bindable(defaultValue = "1s") Duration commandTimeout,
        @Bindable(defaultValue = "1s") Duration connectTimeout,
        @Bindable(defaultValue = "10000") int requestQueueSize) {

    RedisSettings {
        if (commandTimeout.isNegative() || commandTimeout.isZero()) {
            throw new IllegalArgumentException("ephemera.redis.command-timeout must be positive");
        }
        if (requestQueueSize < 1) {
            throw new IllegalArgumentException("ephemera.redis.request-queue-size must be at least 1");
        }
    }
}

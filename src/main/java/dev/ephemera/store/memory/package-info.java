/**
 * The reference store, in one JVM's memory: for a single instance when {@code redis.uri} is not set. Passes the
 * same contract tests as the Redis store; nothing survives a restart and nothing is shared between replicas.
 */
@Configuration
@Requires(missingProperty = "redis.uri")
@Requires(missingProperty = "redis.uris")
package dev.ephemera.store.memory;

import io.micronaut.context.annotation.Configuration;
import io.micronaut.context.annotation.Requires;

/**
 * The shared store: Redis through Lettuce, active when {@code redis.uri} is set. Keys are namespaced
 * ({@code eph:}), the token record is under the hash tag of its secret's SHA-256 so every multi-step decision on
 * it is one single-slot Lua script, and every key carries a TTL except live API keys. The connection rejects
 * commands while disconnected and times out every command, so a lost Redis is a fast {@code 503}, never a hang.
 */
@Configuration
@Requires(property = "redis.uri")
package dev.ephemera.store.redis;

import io.micronaut.context.annotation.Configuration;
import io.micronaut.context.annotation.Requires;

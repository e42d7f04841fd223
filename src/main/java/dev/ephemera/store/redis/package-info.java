/**
 * The shared store: Redis through Lettuce, active when {@code redis.uri} (standalone or Sentinel) or
 * {@code redis.uris} (Cluster seed nodes) is set. Keys are namespaced
 * ({@code eph:}), the token record is under the hash tag of its secret's SHA-256 so every multi-step decision on
 * it is one single-slot Lua script, and every key carries a TTL except live API keys. The connection rejects
 * commands while disconnected and times out every command, so a lost Redis is a fast {@code 503}, never a hang.
 */
@Configuration
@Requires(condition = RedisConfigured.class)
package dev.ephemera.store.redis;

import io.micronaut.context.annotation.Configuration;
import io.micronaut.context.annotation.Requires;

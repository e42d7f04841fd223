package dev.ephemera.store.redis;

import io.micronaut.context.condition.Condition;
import io.micronaut.context.condition.ConditionContext;

/** Whether a Redis store is configured: {@code redis.uri} (standalone, Sentinel) or {@code redis.uris} (Cluster). */
public final class RedisConfigured implements Condition {

    @Override
    public boolean matches(ConditionContext context) {
        return context.containsProperty("redis.uri") || context.containsProperty("redis.uris");
    }
}

package dev.ephemera.store.redis;

import dev.ephemera.ratelimit.RateLimiter;
import dev.ephemera.ratelimit.SessionPlaceStore;
import io.lettuce.core.ScriptOutputType;
import jakarta.inject.Singleton;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionStage;

/**
 * Rate limits and session counts in Redis, each decision one script: {@code eph:rl:{<subject>}} counts a window,
 * {@code eph:sess:{<keyId>}} a key's session places (session ids scored by when each place expires, by Redis's
 * clock, the one clock every replica shares). Both expire on their own.
 */
@Singleton
final class RedisRateLimiter implements RateLimiter, SessionPlaceStore {

    private static final RedisScript WINDOW = new RedisScript("ratelimit.lua");
    private static final RedisScript OPEN = new RedisScript("session-open.lua");
    private static final RedisScript RENEW = new RedisScript("session-renew.lua");

    private final RedisConnector redis;

    RedisRateLimiter(RedisConnector redis) {
        this.redis = redis;
    }

    @Override
    public CompletionStage<Decision> acquire(String subject, int limit, Duration window) {
        return redis.<List<Long>>callAsync(r -> WINDOW.runAsync(r, ScriptOutputType.MULTI,
                new String[] {"eph:rl:{" + subject + "}"}, Long.toString(window.toMillis()))).thenApply(result -> {
                    long count = result.get(0);
                    return new Decision(count <= limit, limit, (int) Math.max(0, limit - count),
                            Duration.ofMillis(result.get(1)));
                });
    }

    @Override
    public CompletionStage<Boolean> open(String keyId, String sessionId, int max, Duration lease) {
        return redis.<Long>callAsync(r -> OPEN.runAsync(r, ScriptOutputType.INTEGER, new String[] {sessions(keyId)},
                Integer.toString(max), sessionId, Long.toString(lease.toMillis()))).thenApply(taken -> taken == 1L);
    }

    @Override
    public CompletionStage<Void> renew(String keyId, String sessionId, Duration lease) {
        return redis.<Long>callAsync(r -> RENEW.runAsync(r, ScriptOutputType.INTEGER, new String[] {sessions(keyId)},
                sessionId, Long.toString(lease.toMillis()))).thenApply(renewed -> null);
    }

    @Override
    public CompletionStage<Void> close(String keyId, String sessionId) {
        return redis.<Long>callAsync(r -> r.zrem(sessions(keyId), sessionId)).thenApply(removed -> null);
    }

    static String sessions(String keyId) {
        return "eph:sess:{" + keyId + "}";
    }
}

package dev.ephemera.store.redis;

import dev.ephemera.session.CallStore;
import io.lettuce.core.Limit;
import io.lettuce.core.Range;
import io.lettuce.core.SetArgs;
import jakarta.inject.Singleton;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletionStage;

/**
 * The watched calls in Redis; each key stands alone, so every command works on a Cluster:
 * <ul>
 *   <li>{@code eph:calls}: session ids of watched calls, scored by when their lease ends (epoch ms);</li>
 *   <li>{@code eph:call:{<sessionId>}}: what hanging the call up needs, kept at most as long as the call may last.</li>
 * </ul>
 * A lapsed call is taken by removing its id from {@code eph:calls} ({@code ZREM} answers 1 to one caller only), then
 * its description with {@code GETDEL}.
 */
@Singleton
final class RedisCallStore implements CallStore {

    static final String CALLS = "eph:calls";

    private final RedisConnector redis;

    RedisCallStore(RedisConnector redis) {
        this.redis = redis;
    }

    private static String callKey(String sessionId) {
        return "eph:call:{" + sessionId + "}";
    }

    @Override
    public CompletionStage<Void> hold(String sessionId, String call, Instant leaseEnds, Duration longest) {
        return redis.pipelineAsync(r -> List.of(
                r.set(callKey(sessionId), call, SetArgs.Builder.px(Math.max(1, longest.toMillis()))),
                r.zadd(CALLS, (double) leaseEnds.toEpochMilli(), sessionId)));
    }

    @Override
    public CompletionStage<Void> drop(String sessionId) {
        return redis.pipelineAsync(r -> List.of(r.zrem(CALLS, sessionId), r.del(callKey(sessionId))));
    }

    @Override
    public CompletionStage<List<String>> orphaned(Instant now, int max) {
        return redis.<List<String>>callAsync(r -> r.zrangebyscore(CALLS,
                Range.from(Range.Boundary.unbounded(), Range.Boundary.excluding((double) now.toEpochMilli())),
                Limit.create(0, max)))
                .thenCompose(ids -> RedisEach.<Long>of(redis, ids, (r, id) -> r.zrem(CALLS, id)).thenCompose(taken -> {
                    List<String> ours = new ArrayList<>();
                    for (int i = 0; i < ids.size(); i++) {
                        if (Long.valueOf(1).equals(taken.get(i))) {
                            ours.add(callKey(ids.get(i)));
                        }
                    }
                    return RedisEach.<String>of(redis, ours, (r, key) -> r.getdel(key))
                            .thenApply(calls -> calls.stream().filter(Objects::nonNull).toList());
                }));
    }
}

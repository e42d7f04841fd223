package dev.ephemera.store.redis;

import dev.ephemera.session.EndRequest;
import dev.ephemera.secret.Secrets;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.ScoredValue;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.ZAddArgs;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This replica among the others, in Redis: what keeps its live sessions and their places held costs one heartbeat per
 * replica, not one renewal per session (issue 29). Every command works on a Cluster: each key stands alone but the
 * replicas' list and their end requests, which share one hash tag so that one heartbeat reads and writes both:
 * <ul>
 *   <li>{@code eph:{replicas}}: replica ids scored by their last heartbeat (Redis's clock, epoch ms);</li>
 *   <li>{@code eph:lives:r:{<replicaId>}}: ids of the live sessions a replica holds, scored by when they opened;</li>
 *   <li>{@code eph:{replicas}:ends:<replicaId>}: requests to end sessions a replica holds (session id to request), the
 *   fall-back for a kill message the replica missed; read and emptied at each heartbeat.</li>
 * </ul>
 * A replica whose heartbeat is older than the lease died: the replica whose {@code ZREM} of it answers 1 (one only)
 * takes it, removes its live sessions and their places among their key's concurrent sessions (which list a key's
 * live sessions), and ends the leases of its watched calls ({@link RedisCallStore}), which are then hung up.
 */
final class RedisReplicas {

    static final String ALL = "eph:{replicas}";
    private static final Logger LOG = LoggerFactory.getLogger(RedisReplicas.class);
    private static final RedisScript BEAT = new RedisScript("replica-beat.lua");
    private static final RedisScript PUT_END = new RedisScript("ends-put.lua");

    private final RedisConnector redis;
    private final String id = "rep_" + Secrets.randomBase62(16);

    RedisReplicas(RedisConnector redis) {
        this.redis = redis;
    }

    /** This replica's id, written on each live session it holds. */
    String id() {
        return id;
    }

    static String sessionsOf(String replicaId) {
        return "eph:lives:r:{" + replicaId + "}";
    }

    private static String endsOf(String replicaId) {
        return "eph:{replicas}:ends:" + replicaId;
    }

    /**
     * One heartbeat (one command): this replica is alive for another {@code lease}; with {@code holding} sessions, the
     * requests to end them that it may have missed are taken (session id to request). Replicas found dead are cleaned
     * up after.
     */
    CompletionStage<Map<String, EndRequest>> beat(Duration lease, boolean holding) {
        return redis.<List<Object>>callAsync(r -> BEAT.runAsync(r, ScriptOutputType.MULTI,
                new String[] {ALL, endsOf(id)}, id, Long.toString(lease.toMillis()), holding ? "1" : "0"))
                .thenApply(answer -> {
                    for (Object dead : (List<?>) answer.get(0)) {
                        String deadId = TokenFields.text(dead);
                        if (deadId != null && !deadId.equals(id)) {
                            take(deadId);
                        }
                    }
                    List<?> flat = (List<?>) answer.get(1);
                    Map<String, EndRequest> asked = new LinkedHashMap<>();
                    for (int i = 0; i + 1 < flat.size(); i += 2) {
                        EndRequest request = EndRequests.read(TokenFields.text(flat.get(i + 1)));
                        if (request != null) {
                            asked.put(TokenFields.text(flat.get(i)), request);
                        }
                    }
                    return asked;
                });
    }

    /**
     * The ids of the live sessions of every replica on the list (the first {@code limit} by when they opened),
     * those of a replica that died among them until it is cleaned up after.
     */
    CompletionStage<List<String>> sessionIds(int limit) {
        return redis.<List<String>>callAsync(r -> r.zrange(ALL, 0, -1)).thenCompose(ids ->
                RedisEach.<List<ScoredValue<String>>>of(redis, ids, (r, replica) -> r.zrangeWithScores(
                        sessionsOf(replica), 0, limit - 1)).thenApply(each -> each.stream()
                                .flatMap(List::stream)
                                .sorted(Comparator.comparingDouble(ScoredValue::getScore))
                                .limit(limit)
                                .map(ScoredValue::getValue)
                                .toList()));
    }

    /**
     * Addresses the end of session {@code sessionId} to {@code replicaId}, kept unread for {@code lease};
     * {@code request} as {@link EndRequests} writes it.
     */
    RedisFuture<Long> askEnd(RedisClusterAsyncCommands<String, String> r,
            String replicaId, String sessionId, String request, Duration lease) {
        return PUT_END.runAsync(r, ScriptOutputType.INTEGER, new String[] {endsOf(replicaId)}, sessionId, request,
                Long.toString(lease.toMillis()));
    }

    /** Takes the dead replica {@code deadId} if no other replica did, and removes what it held. */
    private void take(String deadId) {
        redis.<Long>callAsync(r -> r.zrem(ALL, deadId)).thenCompose(taken -> taken == 1L
                ? redis.<List<String>>callAsync(r -> r.zrange(sessionsOf(deadId), 0, -1))
                        .thenCompose(ids -> sweep(deadId, ids))
                : CompletableFuture.completedFuture(null)).whenComplete((done, failed) -> {
                    if (failed != null) {
                        LOG.warn("The sessions of a replica that died could not all be removed: {}",
                                failed.getClass().getSimpleName());
                    } else {
                        LOG.debug("Replica {} stopped beating; its sessions were removed", deadId);
                    }
                });
    }

    private CompletionStage<Void> sweep(String deadId, List<String> sessionIds) {
        return RedisEach.<String>of(redis, sessionIds, (r, sessionId) -> r.hget(RedisSessionStore.liveKey(sessionId),
                "key_id")).thenCompose(keys -> redis.pipelineAsync(r -> {
                    List<RedisFuture<?>> sent = new ArrayList<>();
                    for (int i = 0; i < sessionIds.size(); i++) {
                        String sessionId = sessionIds.get(i);
                        sent.add(r.del(RedisSessionStore.liveKey(sessionId)));
                        // A watched call's lease ends now (only a call has one): the calls' sweep hangs it up.
                        sent.add(r.zadd(RedisCallStore.CALLS, ZAddArgs.Builder.xx(), 0, sessionId));
                        String keyId = keys.get(i);
                        if (keyId != null) {
                            sent.add(r.zrem(RedisRateLimiter.sessions(keyId), sessionId));
                        }
                    }
                    sent.add(r.del(sessionsOf(deadId)));
                    sent.add(r.del(endsOf(deadId)));
                    return sent;
                }));
    }
}

package dev.ephemera.store.redis;

import dev.ephemera.logging.RepeatedLog;
import dev.ephemera.secret.Secrets;
import dev.ephemera.token.Binding;
import dev.ephemera.token.Presented;
import dev.ephemera.token.Redemption;
import dev.ephemera.token.Redemption.Mismatch;
import dev.ephemera.token.Redemption.Outcome;
import dev.ephemera.token.TokenRecord;
import dev.ephemera.token.TokenStore;
import io.lettuce.core.Range;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.SetArgs;
import io.lettuce.core.ZAddArgs;
import io.micronaut.context.annotation.Value;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.slf4j.LoggerFactory;

/**
 * Tokens in Redis. Keys:
 * <ul>
 *   <li>{@code eph:tok:{<sha256>}}: the record (a hash), expiring {@link #RETENTION_AFTER_EXPIRY} after the
 *       token;</li>
 *   <li>{@code eph:tid:<id>}: the record's hash, so a handle can revoke; same expiry;</li>
 *   <li>{@code eph:ktok:<keyId>}: ids the key minted, scored by expiry, for cascading revocation.</li>
 * </ul>
 * Every multi-step decision touches only the record key, so it is one script in one slot, Redis Cluster
 * included.
 */
@Singleton
final class RedisTokenStore implements TokenStore {

    private static final RepeatedLog REPEATED = new RepeatedLog(LoggerFactory.getLogger(RedisTokenStore.class));
    private static final RedisScript CONSUME = new RedisScript("consume.lua");
    private static final RedisScript SAVE = new RedisScript("save.lua");
    private static final RedisScript INDEX = new RedisScript("index.lua");
    private static final RedisScript RETAIN = new RedisScript("retain.lua");
    /**
     * What consume.lua is given for a model or an origin the request presents none of: a value no bound one has
     * (a model name has no space; an origin is an http(s) URL). The script's argument format, kept as it was.
     */
    private static final String NO_MODEL = " ";
    private static final String NO_ORIGIN = "null";
    /** The per-key index outlives its newest token by the longest a token can live, whatever the config says. */
    private static final long MAX_TOKEN_LIFETIME_MILLIS = 3_600_000L;

    private final RedisConnector redis;
    private final int acknowledgeReplicas;
    private final long acknowledgeTimeoutMillis;

    @Inject
    RedisTokenStore(RedisConnector redis, @Value("${ephemera.store.acknowledge-replicas:0}") int acknowledgeReplicas,
            RedisSettings settings) {
        if (acknowledgeReplicas < 0) {
            throw new IllegalArgumentException("ephemera.store.acknowledge-replicas must be 0 or more");
        }
        this.redis = redis;
        this.acknowledgeReplicas = acknowledgeReplicas;
        // WAIT holds the connection it is sent on: half the command timeout, so that the redemption still answers.
        this.acknowledgeTimeoutMillis = Math.max(1, settings.commandTimeout().toMillis() / 2);
    }

    RedisTokenStore(RedisConnector redis) {
        this(redis, 0, new RedisSettings(java.time.Duration.ofSeconds(1), java.time.Duration.ofSeconds(1), 1));
    }

    static String recordKey(String secretHash) {
        return "eph:tok:{" + secretHash + "}";
    }

    static String idKey(String id) {
        return "eph:tid:" + id;
    }

    static String keyTokensKey(String keyId) {
        return "eph:ktok:" + keyId;
    }

    @Override
    public CompletionStage<Void> save(TokenRecord record) {
        long forgetAt = record.expiresAt().plus(RETENTION_AFTER_EXPIRY).toEpochMilli();
        String[] hashArgs = flatten(Long.toString(forgetAt), TokenFields.of(record));
        String keyTokens = keyTokensKey(record.keyId());
        return redis.pipelineAsync(r -> List.of(
                SAVE.runAsync(r, ScriptOutputType.INTEGER, new String[] {recordKey(record.secretHash())}, hashArgs),
                r.set(idKey(record.id()), record.secretHash(), SetArgs.Builder.pxAt(forgetAt)),
                INDEX.runAsync(r, ScriptOutputType.INTEGER, new String[] {keyTokens},
                        Long.toString(record.expiresAt().toEpochMilli()), record.id(),
                        Long.toString(forgetAt + MAX_TOKEN_LIFETIME_MILLIS),
                        Long.toString(record.issuedAt().toEpochMilli()))));
    }

    @Override
    public CompletionStage<Void> discard(TokenRecord record) {
        return redis.pipelineAsync(r -> List.of(
                r.del(recordKey(record.secretHash())),
                r.del(idKey(record.id())),
                r.zrem(keyTokensKey(record.keyId()), record.id())));
    }

    private static String[] flatten(String first, Map<String, String> fields) {
        String[] out = new String[1 + fields.size() * 2];
        out[0] = first;
        int i = 1;
        for (Map.Entry<String, String> e : fields.entrySet()) {
            out[i++] = e.getKey();
            out[i++] = e.getValue();
        }
        return out;
    }

    @Override
    public CompletionStage<Optional<TokenRecord>> find(String secretHash) {
        return redis.callAsync(r -> r.hgetall(recordKey(secretHash)))
                .thenApply(fields -> fields.isEmpty() ? Optional.empty() : Optional.of(TokenFields.from(fields)));
    }

    @Override
    public CompletionStage<Optional<TokenRecord>> findById(String id) {
        return redis.<String>callAsync(r -> r.get(idKey(id))).thenCompose(hash -> hash == null
                ? CompletableFuture.completedFuture(Optional.empty()) : find(hash));
    }

    /**
     * Takes a use in one script. With {@code ephemera.store.acknowledge-replicas} (SPEC §2), a use is granted only
     * once that many replicas hold it ({@code WAIT} on the connection that ran the script, right behind it): a
     * failover then cannot bring the use back. When they do not answer in time the redemption fails closed
     * ({@code store_unavailable}) and the use stays taken.
     */
    @Override
    public CompletionStage<Redemption> consume(String secretHash, Binding expected, Instant now) {
        String key = recordKey(secretHash);
        return redis.<List<Object>>callAsync(r -> {
            RedisFuture<List<Object>> consumed = CONSUME.runAsync(r, ScriptOutputType.MULTI, new String[] {key},
                    Long.toString(now.toEpochMilli()), orEmpty(expected.provider()),
                    argument(expected.model(), NO_MODEL), argument(expected.origin(), NO_ORIGIN),
                    expected.endpoints() == null ? "" : "\n" + String.join("\n", expected.endpoints()) + "\n",
                    expected.measurable() ? "" : "1");
            if (acknowledgeReplicas == 0) {
                return consumed;
            }
            CompletionStage<Long> acknowledged = RedisConnector.connectionOf(r, key).thenCompose(connection ->
                    connection.waitForReplication(acknowledgeReplicas, acknowledgeTimeoutMillis));
            return consumed.toCompletableFuture().thenCombine(acknowledged, (result, replicas) -> {
                if ("ok".equals(TokenFields.text(result.get(0))) && replicas < acknowledgeReplicas) {
                    throw new ReplicasDidNotAcknowledge(replicas, acknowledgeReplicas);
                }
                return result;
            });
        }).thenApply(RedisTokenStore::redemption);
    }

    /** A use taken on the master that not enough replicas confirmed in time: refused, and left taken. */
    static final class ReplicasDidNotAcknowledge extends RuntimeException {
        ReplicasDidNotAcknowledge(long acknowledged, int wanted) {
            super(acknowledged + " of " + wanted + " replicas acknowledged a redemption in time", null, false, false);
        }
    }

    private static Redemption redemption(List<Object> result) {
        String outcome = TokenFields.text(result.get(0));
        if ("unknown".equals(outcome)) {
            return Redemption.of(Outcome.UNKNOWN);
        }
        TokenRecord record = TokenFields.from(TokenFields.fromFlat(result, 2));
        String detail = TokenFields.text(result.get(1));
        return switch (outcome) {
            case "ok" -> new Redemption(Outcome.REDEEMED, record, null);
            case "expired" -> new Redemption(Outcome.EXPIRED, record, null);
            case "used" -> new Redemption(Outcome.USED_UP, record, null);
            case "mismatch" -> new Redemption(Outcome.MISMATCH, record, mismatch(detail));
            default -> throw new IllegalStateException("consume.lua answered " + outcome);
        };
    }

    /** The binding consume.lua names; anything else is the script and the broker disagreeing, not a default. */
    private static Mismatch mismatch(String detail) {
        try {
            return Mismatch.fromWire(detail);
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException("consume.lua answered mismatch " + detail, e);
        }
    }

    /**
     * {@code presented} as consume.lua takes it: '' when it is not checked, {@code none} when the request presents
     * nothing (an empty value, which no bound one equals, too).
     */
    private static String argument(Presented presented, String none) {
        return switch (presented) {
            case Presented.Unchecked u -> "";
            case Presented.Nothing n -> none;
            case Presented.Value v -> v.value().isEmpty() ? none : v.value();
        };
    }

    @Override
    public CompletionStage<Optional<TokenRecord>> revoke(String secretHash) {
        return find(secretHash).thenCompose(found -> found.isEmpty() ? CompletableFuture.completedFuture(found)
                // Two keys in different hash slots: one DEL each, so that Redis Cluster accepts them.
                : redis.pipelineAsync(r -> List.of(r.del(recordKey(secretHash)), r.del(idKey(found.get().id()))))
                        .thenApply(deleted -> found));
    }

    @Override
    public CompletionStage<Optional<TokenRecord>> revokeById(String id) {
        return redis.<String>callAsync(r -> r.get(idKey(id))).thenCompose(hash -> hash == null
                ? CompletableFuture.completedFuture(Optional.empty()) : revoke(hash));
    }

    @Override
    public CompletionStage<Void> retain(String id, String keyId, Instant until) {
        String at = Long.toString(until.toEpochMilli());
        return redis.<String>callAsync(r -> r.get(idKey(id))).thenCompose(hash -> hash == null
                ? CompletableFuture.completedFuture(null)
                // Each key on its own (Cluster): the record, its handle, and its place in the key's index, scored by
                // the time until which cascading revocation must find it.
                : redis.pipelineAsync(r -> List.of(
                        RETAIN.runAsync(r, ScriptOutputType.INTEGER, new String[] {recordKey(hash)}, at),
                        RETAIN.runAsync(r, ScriptOutputType.INTEGER, new String[] {idKey(id)}, at),
                        r.zadd(keyTokensKey(keyId), ZAddArgs.Builder.xx().gt(), (double) until.toEpochMilli(), id),
                        RETAIN.runAsync(r, ScriptOutputType.INTEGER, new String[] {keyTokensKey(keyId)},
                                Long.toString(until.toEpochMilli() + MAX_TOKEN_LIFETIME_MILLIS)))));
    }

    @Override
    public CompletionStage<List<String>> idsMintedBy(String keyId, Instant now) {
        return redis.callAsync(r -> r.zrangebyscore(keyTokensKey(keyId),
                Range.create((double) now.toEpochMilli(), Double.POSITIVE_INFINITY)));
    }

    /**
     * Whether the store answers as a mint and a redemption use it, not merely whether it answers a PING: the consume
     * script on a key no token has (a read through the scripts, in that key's slot) and a write that expires in a
     * second, each within the command timeout. A Redis that answers PING but refuses these (a Cluster node named
     * as a standalone server, a read-only replica, a node without its slots) is not reachable for the broker.
     */
    @Override
    public CompletionStage<Void> endRetention(String id, Instant expiresAt) {
        // PEXPIREAT a time past forgets the key at once; the key's index keeps its score (a handle it no longer finds).
        long forgetAt = expiresAt.plus(RETENTION_AFTER_EXPIRY).toEpochMilli();
        return redis.<String>callAsync(r -> r.get(idKey(id))).thenCompose(hash -> hash == null
                ? CompletableFuture.completedFuture(null)
                : redis.pipelineAsync(r -> List.of(r.pexpireat(recordKey(hash), forgetAt),
                        r.pexpireat(idKey(id), forgetAt))));
    }

    @Override
    public CompletionStage<Boolean> isReachable() {
        String probe = Secrets.randomBase62(16);
        return redis.pipelineAsync(r -> List.of(
                        CONSUME.runAsync(r, ScriptOutputType.MULTI, new String[] {recordKey("readiness-" + probe)},
                                "0", "", "", "", ""),
                        r.set("eph:ready:{" + probe + "}", "1", SetArgs.Builder.px(1000))))
                .thenCompose(probed -> redis.clustered() ? CompletableFuture.completedFuture(true)
                        : redis.<String>callAsync(r -> r.info("cluster")).thenApply(RedisTokenStore::notAClusterNode))
                .thenCompose(standalone -> standalone ? redis.allReachable() : CompletableFuture.completedFuture(false))
                .exceptionally(failed -> false);
    }

    /**
     * Whether {@code info} (INFO cluster) is a server's that is not a Cluster node. A Cluster node named in
     * {@code redis.uri} answers the probe's keys when they happen to be in its own slots and {@code MOVED} for the
     * rest, so the probe alone would say ready now and then while most mints fail.
     */
    private static boolean notAClusterNode(String info) {
        if (info.contains("cluster_enabled:1")) {
            REPEATED.error("redis.uri names a Redis Cluster node: name the Cluster's nodes in redis.uris instead");
            return false;
        }
        return true;
    }

    private static String orEmpty(String s) {
        return s == null ? "" : s;
    }
}

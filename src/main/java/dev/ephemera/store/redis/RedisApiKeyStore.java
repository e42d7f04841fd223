package dev.ephemera.store.redis;

import dev.ephemera.apikey.ApiKeyRecord;
import dev.ephemera.apikey.ApiKeyStore;
import dev.ephemera.auth.KeyBudget;
import dev.ephemera.auth.Permission;
import io.lettuce.core.ScriptOutputType;
import jakarta.inject.Singleton;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.stream.Collectors;

/**
 * API keys in Redis: {@code eph:key:{<id>}} (a hash) and the ids in 16 sets {@code eph:keys:{<n>}} by the id's
 * hash. A live key has no TTL
 * (it is configuration, not a session); a revoked or expired one is forgotten {@link #KEEP_DEAD_KEYS} after, so
 * that it is answered {@code revoked_api_key}/{@code expired_api_key} for that long.
 */
@Singleton
final class RedisApiKeyStore implements ApiKeyStore {

    static final Duration KEEP_DEAD_KEYS = Duration.ofDays(30);
    /** The index of ids before it was sharded; still read, never written. */
    private static final String LEGACY_INDEX = "eph:keys";
    /** Index shards, each in a hash slot of its own: on a Cluster no node holds every key's entry. */
    private static final int INDEX_SHARDS = 16;
    private static final RedisScript UPDATE = new RedisScript("update.lua");

    private final RedisConnector redis;

    RedisApiKeyStore(RedisConnector redis) {
        this.redis = redis;
    }

    static String key(String id) {
        return "eph:key:{" + id + "}";
    }

    /** The index shard that lists {@code id}: by the id's hash ({@link String#hashCode} is the same everywhere). */
    static String indexKey(String id) {
        return shardKey(Math.floorMod(id.hashCode(), INDEX_SHARDS));
    }

    private static String shardKey(int shard) {
        return "eph:keys:{" + shard + "}";
    }

    @Override
    public CompletionStage<Void> create(ApiKeyRecord record) {
        Map<String, String> fields = fields(record);
        return redis.pipelineAsync(r -> {
            var set = r.hset(key(record.id()), fields);
            var index = r.sadd(indexKey(record.id()), record.id());
            return record.expiresAt() == null ? List.of(set, index)
                    : List.of(set, index, r.pexpireat(key(record.id()), record.expiresAt().plus(KEEP_DEAD_KEYS)));
        });
    }

    @Override
    public CompletionStage<Optional<ApiKeyRecord>> find(String id) {
        return redis.callAsync(r -> r.hgetall(key(id)))
                .thenApply(fields -> fields.isEmpty() ? Optional.empty() : Optional.of(record(fields)));
    }

    @Override
    public CompletionStage<List<ApiKeyRecord>> list() {
        List<CompletableFuture<Set<String>>> shards = new ArrayList<>();
        for (int i = 0; i <= INDEX_SHARDS; i++) {
            String index = i == INDEX_SHARDS ? LEGACY_INDEX : shardKey(i);
            shards.add(redis.<Set<String>>callAsync(r -> r.smembers(index)).toCompletableFuture());
        }
        return CompletableFuture.allOf(shards.toArray(CompletableFuture[]::new)).thenCompose(done -> {
            Set<String> ids = new TreeSet<>();
            shards.forEach(shard -> ids.addAll(shard.join()));
            List<CompletableFuture<Optional<ApiKeyRecord>>> each = ids.stream()
                    .map(id -> find(id).toCompletableFuture()).toList();
            return CompletableFuture.allOf(each.toArray(CompletableFuture[]::new)).thenApply(all -> each.stream()
                    .map(CompletableFuture::join)
                    .flatMap(Optional::stream)
                    .sorted(Comparator.comparing(ApiKeyRecord::createdAt).thenComparing(ApiKeyRecord::id))
                    .toList());
        });
    }

    @Override
    public CompletionStage<Optional<ApiKeyRecord>> rotate(String id, String newHash, Instant previousValidUntil) {
        return find(id).thenCompose(current -> current.isEmpty() ? CompletableFuture.completedFuture(current)
                : update(id, "", "hash", newHash, "prev_hash", current.get().secretHash(),
                        "prev_exp", Long.toString(previousValidUntil.toEpochMilli())));
    }

    @Override
    public CompletionStage<Optional<ApiKeyRecord>> revoke(String id, Instant at) {
        return find(id).thenCompose(current -> current.isEmpty() || current.get().revokedAt() != null
                ? CompletableFuture.completedFuture(current)
                : update(id, Long.toString(at.plus(KEEP_DEAD_KEYS).toEpochMilli()),
                        "revoked", Long.toString(at.toEpochMilli())));
    }

    @Override
    public CompletionStage<Void> touch(String id, Instant at) {
        return update(id, "", "last_used", Long.toString(at.toEpochMilli())).thenApply(updated -> null);
    }

    private CompletionStage<Optional<ApiKeyRecord>> update(String id, String forgetAt, String... fieldValues) {
        String[] args = new String[fieldValues.length + 1];
        args[0] = forgetAt;
        System.arraycopy(fieldValues, 0, args, 1, fieldValues.length);
        return redis.<List<Object>>callAsync(r -> UPDATE.runAsync(r, ScriptOutputType.MULTI, new String[] {key(id)},
                args)).thenApply(flat -> flat.isEmpty() ? Optional.empty()
                        : Optional.of(record(TokenFields.fromFlat(flat, 0))));
    }

    private static Map<String, String> fields(ApiKeyRecord r) {
        Map<String, String> m = new HashMap<>();
        m.put("id", r.id());
        m.put("name", r.name());
        m.put("perms", r.permissions().stream().map(Permission::wireName).sorted().collect(Collectors.joining(",")));
        m.put("hash", r.secretHash());
        m.put("created", Long.toString(r.createdAt().toEpochMilli()));
        putMillis(m, "expires", r.expiresAt());
        putMillis(m, "last_used", r.lastUsedAt());
        putMillis(m, "revoked", r.revokedAt());
        m.put("origins", String.join(",", r.allowedOrigins()));
        m.put("providers", String.join(",", r.allowedProviders()));
        if (r.rateLimitPerMinute() != null) {
            m.put("rate", Integer.toString(r.rateLimitPerMinute()));
        }
        putNumber(m, "tpd", r.budget().tokensPerDay());
        putNumber(m, "micros_day", r.budget().microsPerDay());
        putNumber(m, "micros_month", r.budget().microsPerMonth());
        return m;
    }

    private static ApiKeyRecord record(Map<String, String> m) {
        Set<Permission> perms = EnumSet.noneOf(Permission.class);
        list(m.get("perms")).stream().map(Permission::fromWire).filter(Objects::nonNull).forEach(perms::add);
        return new ApiKeyRecord(
                m.get("id"),
                m.get("name"),
                perms,
                m.get("hash"),
                m.get("prev_hash"),
                millis(m.get("prev_exp")),
                Objects.requireNonNull(millis(m.get("created"))),
                millis(m.get("expires")),
                millis(m.get("last_used")),
                millis(m.get("revoked")),
                list(m.get("origins")),
                list(m.get("providers")),
                m.get("rate") == null ? null : Integer.valueOf(m.get("rate")),
                new KeyBudget(number(m.get("tpd")), number(m.get("micros_day")), number(m.get("micros_month"))));
    }

    private static void putNumber(Map<String, String> m, String field, Long value) {
        if (value != null) {
            m.put(field, Long.toString(value));
        }
    }

    private static Long number(String value) {
        return value == null ? null : Long.valueOf(value);
    }

    private static void putMillis(Map<String, String> m, String field, Instant at) {
        if (at != null) {
            m.put(field, Long.toString(at.toEpochMilli()));
        }
    }

    private static Instant millis(String value) {
        return value == null ? null : Instant.ofEpochMilli(Long.parseLong(value));
    }

    private static List<String> list(String joined) {
        return joined == null || joined.isEmpty() ? List.of() : Arrays.asList(joined.split(","));
    }
}

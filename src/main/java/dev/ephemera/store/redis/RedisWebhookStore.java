package dev.ephemera.store.redis;

import dev.ephemera.async.Stages;
import dev.ephemera.webhook.Delivery;
import dev.ephemera.webhook.Subscription;
import dev.ephemera.webhook.WebhookStore;
import io.lettuce.core.Consumer;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.XAddArgs;
import io.lettuce.core.XAutoClaimArgs;
import io.lettuce.core.XReadArgs;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.json.JsonMapper;
import jakarta.inject.Singleton;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;

/**
 * Webhooks in Redis (SPEC §11), each key on its own (Cluster-safe):
 * <ul>
 *   <li>{@code eph:wh:subs}: subscriptions (a hash, id to JSON; the signing secrets are in it);</li>
 *   <li>{@code eph:wh:events}: the event log, a stream read by the consumer group {@code delivery}, one consumer per
 *   replica; an entry stays pending until acknowledged, and one pending longer than a replica should take is claimed
 *   by another ({@code XAUTOCLAIM}); at most about 100,000 entries are kept; the group is made whenever Redis says
 *   it has none, so delivery goes on by itself after Redis lost its data;</li>
 *   <li>{@code eph:wh:due}: deliveries by when they are due (epoch ms); taking one moves it a lease later
 *   ({@code webhook-due.lua});</li>
 *   <li>{@code eph:wh:d:{<deliveryId>}}: one delivery (JSON), kept 7 days after its last attempt;</li>
 *   <li>{@code eph:wh:log:{<subscriptionId>}}: its latest 100 delivery ids.</li>
 * </ul>
 */
@Singleton
final class RedisWebhookStore implements WebhookStore {

    private static final String SUBSCRIPTIONS = "eph:wh:subs";
    private static final String EVENTS = "eph:wh:events";
    private static final String GROUP = "delivery";
    private static final String DUE = "eph:wh:due";
    private static final long KEPT_MILLIS = Duration.ofDays(7).toMillis();
    private static final RedisScript TAKE_DUE = new RedisScript("webhook-due.lua");
    private static final RedisScript GROUP_SCRIPT = new RedisScript("webhook-group.lua");

    private final RedisConnector redis;
    private final JsonMapper json;

    RedisWebhookStore(RedisConnector redis, JsonMapper json) {
        this.redis = redis;
        this.json = json;
    }

    private String write(Object value) {
        try {
            return json.writeValueAsString(value);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private <T> T read(String text, Class<T> type) {
        try {
            return json.readValue(text, type);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public CompletionStage<Void> save(Subscription subscription) {
        return redis.<Boolean>callAsync(r -> r.hset(SUBSCRIPTIONS, subscription.id(), write(subscription)))
                .thenApply(saved -> null);
    }

    @Override
    public CompletionStage<List<Subscription>> subscriptions() {
        return redis.<Map<String, String>>callAsync(r -> r.hgetall(SUBSCRIPTIONS)).thenApply(all -> all.values()
                .stream().map(text -> read(text, Subscription.class)).toList());
    }

    @Override
    public CompletionStage<Optional<Subscription>> find(String id) {
        return redis.<String>callAsync(r -> r.hget(SUBSCRIPTIONS, id)).thenApply(text ->
                Optional.ofNullable(text).map(t -> read(t, Subscription.class)));
    }

    @Override
    public CompletionStage<Boolean> delete(String id) {
        return redis.<Long>callAsync(r -> r.hdel(SUBSCRIPTIONS, id)).thenApply(n -> n > 0);
    }

    @Override
    public CompletionStage<Void> append(Queued event) {
        Map<String, String> fields = new java.util.LinkedHashMap<>();
        fields.put("id", event.id());
        fields.put("type", event.type());
        if (event.keyId() != null) {
            fields.put("key", event.keyId());
        }
        fields.put("payload", event.payload());
        return redis.<String>callAsync(r -> r.xadd(EVENTS, XAddArgs.Builder.maxlen(100_000).approximateTrimming(),
                fields)).thenApply(added -> null);
    }

    @Override
    public CompletionStage<List<Queued>> take(String consumer, int max, Duration abandonedAfter) {
        Consumer<String> me = Consumer.from(GROUP, consumer);
        return inGroup(r -> r.xautoclaim(EVENTS, XAutoClaimArgs.Builder.xautoclaim(me, abandonedAfter, "0-0")
                .count(max))).thenCompose(claimed -> {
                    List<Queued> out = new ArrayList<>(queued(claimed.getMessages()));
                    if (out.size() >= max) {
                        return CompletableFuture.completedFuture(out);
                    }
                    return inGroup(r -> r.xreadgroup(me, XReadArgs.Builder.count(max - out.size()),
                            XReadArgs.StreamOffset.lastConsumed(EVENTS))).thenApply(fresh -> {
                                out.addAll(queued(fresh));
                                return out;
                            });
                });
    }

    /**
     * {@code command} on the event log's group; when Redis answers that there is no such group ({@code NOGROUP}: the
     * first read ever, or Redis lost its data), the group is made (with the log) and the command sent once more. Never
     * remembered as made: Redis may forget it again at any time.
     */
    private <T> CompletionStage<T> inGroup(
            Function<RedisClusterAsyncCommands<String, String>, RedisFuture<T>> command) {
        return redis.<Optional<T>>callAsync(r -> command.apply(r).toCompletableFuture().thenApply(Optional::of)
                .exceptionally(failed -> {
                    if (Stages.cause(failed) instanceof RedisCommandExecutionException e && e.getMessage() != null
                            && e.getMessage().startsWith("NOGROUP")) {
                        return Optional.empty();
                    }
                    throw failed instanceof CompletionException c ? c : new CompletionException(failed);
                })).thenCompose(answer -> answer.isPresent() ? CompletableFuture.completedFuture(answer.get())
                        : redis.<Long>callAsync(r -> GROUP_SCRIPT.runAsync(r, ScriptOutputType.INTEGER,
                                new String[] {EVENTS}, GROUP)).thenCompose(made -> redis.callAsync(command::apply)));
    }

    /** Events as they were appended; the stream's own id is the acknowledgement handle. */
    private static List<Queued> queued(List<StreamMessage<String, String>> messages) {
        List<Queued> out = new ArrayList<>();
        for (StreamMessage<String, String> m : messages) {
            Map<String, String> body = m.getBody();
            if (body == null || body.get("id") == null) {
                continue;
            }
            out.add(new Queued(body.get("id"), body.get("type"), body.get("key"), body.get("payload"), m.getId()));
        }
        return out;
    }

    @Override
    public CompletionStage<Void> acknowledge(Queued event) {
        String streamId = event.handle();
        return redis.<Long>callAsync(r -> r.xack(EVENTS, GROUP, streamId)).thenCompose(acked ->
                redis.<Long>callAsync(r -> r.xdel(EVENTS, streamId))).thenApply(deleted -> null);
    }

    private static String deliveryKey(String id) {
        return "eph:wh:d:{" + id + "}";
    }

    @Override
    public CompletionStage<Void> schedule(Delivery delivery, Instant at) {
        return redis.<Boolean>callAsync(r -> r.setnx(deliveryKey(delivery.id()), write(delivery))).thenCompose(new_ ->
                !new_ ? CompletableFuture.completedFuture(null)
                        : redis.pipelineAsync(r -> List.of(
                                r.zadd(DUE, (double) at.toEpochMilli(), delivery.id()),
                                r.lpush("eph:wh:log:{" + delivery.subscriptionId() + "}", delivery.id()),
                                r.ltrim("eph:wh:log:{" + delivery.subscriptionId() + "}", 0, 99))));
    }

    @Override
    public CompletionStage<List<Delivery>> due(Instant now, Duration lease, int max) {
        return redis.<List<Object>>callAsync(r -> TAKE_DUE.runAsync(r, ScriptOutputType.MULTI, new String[] {DUE},
                Long.toString(now.toEpochMilli()), Long.toString(lease.toMillis()), Integer.toString(max)))
                .thenCompose(ids -> deliveries(ids.stream().map(TokenFields::text).toList()));
    }

    @Override
    public CompletionStage<Void> attempted(Delivery delivery, @Nullable Instant next) {
        return redis.pipelineAsync(r -> List.of(
                r.psetex(deliveryKey(delivery.id()), KEPT_MILLIS, write(delivery)),
                next == null ? r.zrem(DUE, delivery.id()) : r.zadd(DUE, (double) next.toEpochMilli(), delivery.id())));
    }

    @Override
    public CompletionStage<List<Delivery>> deliveries(String subscriptionId, int max) {
        return redis.<List<String>>callAsync(r -> r.lrange("eph:wh:log:{" + subscriptionId + "}", 0, max - 1))
                .thenCompose(this::deliveries);
    }

    /** The deliveries {@code ids} (in one round trip), those that are gone left out. */
    private CompletionStage<List<Delivery>> deliveries(List<String> ids) {
        return RedisEach.<String>of(redis, ids, (r, id) -> r.get(deliveryKey(id))).thenApply(texts -> texts.stream()
                .filter(Objects::nonNull).map(text -> read(text, Delivery.class)).toList());
    }
}

package dev.ephemera.store.redis;

import io.lettuce.core.RedisFuture;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.BiFunction;

/** One command per key, sent in one round trip ({@link RedisConnector#pipelineAsync}); each key on its own slot. */
final class RedisEach {

    private RedisEach() {
    }

    /** The answers to {@code command} for each of {@code keys}, in their order (null where Redis answered nil). */
    static <T> CompletionStage<List<T>> of(RedisConnector redis, List<String> keys,
            BiFunction<RedisClusterAsyncCommands<String, String>, String, RedisFuture<T>> command) {
        List<CompletableFuture<T>> answers = new ArrayList<>();
        return redis.pipelineAsync(r -> {
            // Sent again after a script reload: only the answers of the last sending count.
            answers.clear();
            List<RedisFuture<T>> sent = new ArrayList<>();
            for (String key : keys) {
                RedisFuture<T> one = command.apply(r, key);
                sent.add(one);
                answers.add(one.toCompletableFuture());
            }
            return sent;
        // Every answer is in (the pipeline completed): join() does not wait.
        }).thenApply(done -> answers.stream().map(CompletableFuture::join).toList());
    }
}

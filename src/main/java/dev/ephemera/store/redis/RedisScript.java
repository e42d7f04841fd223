package dev.ephemera.store.redis;

import io.lettuce.core.RedisFuture;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.lettuce.core.codec.Base16;
import io.lettuce.core.protocol.CommandType;
import io.lettuce.core.protocol.RedisCommand;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** A Lua script kept beside its store, run by digest with a fall-back to its text on {@code NOSCRIPT}. */
final class RedisScript {

    static final List<RedisScript> ALL = new CopyOnWriteArrayList<>();
    private final String text;
    private final String sha;

    RedisScript(String resource) {
        try (InputStream in = RedisScript.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("missing script " + resource);
            }
            this.text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read script " + resource, e);
        }
        this.sha = Base16.digest(text.getBytes(StandardCharsets.UTF_8));
        ALL.add(this);
    }

    /** The script's text, loaded again when Redis forgot it. */
    String text() {
        return text;
    }

    /** Whether any of {@code sent} is a script run by digest that Redis ran (answered without an error). */
    static boolean anyRan(List<? extends RedisFuture<?>> sent) {
        return sent.stream().anyMatch(f -> f instanceof RedisCommand<?, ?, ?> c && c.getType() == CommandType.EVALSHA
                && f.toCompletableFuture().isDone() && !f.toCompletableFuture().isCompletedExceptionally());
    }

    /** Runs the script by digest; {@link RedisConnector#callAsync} loads it on {@code NOSCRIPT}. */
    <T> RedisFuture<T> runAsync(RedisClusterAsyncCommands<String, String> redis, ScriptOutputType type, String[] keys,
            String... args) {
        return redis.evalsha(sha, type, keys, args);
    }
}

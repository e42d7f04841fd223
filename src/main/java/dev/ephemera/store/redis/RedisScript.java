package dev.ephemera.store.redis;

import io.lettuce.core.RedisFuture;
import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.codec.Base16;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

/** A Lua script kept beside its store, run by digest with a fall-back to its text on {@code NOSCRIPT}. */
final class RedisScript {

    static final List<RedisScript> ALL = new java.util.concurrent.CopyOnWriteArrayList<>();
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

    /** Runs the script by digest; {@link RedisConnector#callAsync} loads it on {@code NOSCRIPT}. */
    <T> RedisFuture<T> runAsync(RedisAsyncCommands<String, String> redis, ScriptOutputType type, String[] keys,
            String... args) {
        return redis.evalsha(sha, type, keys, args);
    }

    <T> T run(RedisCommands<String, String> redis, ScriptOutputType type, String[] keys, String... args) {
        try {
            return redis.evalsha(sha, type, keys, args);
        } catch (RedisNoScriptException e) {
            return redis.eval(text, type, keys, args);
        }
    }
}

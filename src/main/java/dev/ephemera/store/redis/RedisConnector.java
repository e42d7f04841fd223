package dev.ephemera.store.redis;

import dev.ephemera.store.StoreUnavailableException;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisException;
import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.codec.Base16;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.Delay;
import io.micronaut.context.annotation.Value;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Singleton;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one Redis connection of this replica, opened lazily (so the broker starts, not ready, while Redis is down)
 * and re-opened by Lettuce after a loss. Every command goes through {@link #call}, which turns any Redis failure
 * into {@link StoreUnavailableException}.
 */
@Singleton
final class RedisConnector {

    private static final Logger LOG = LoggerFactory.getLogger(RedisConnector.class);
    /** After a failed connect, callers fail fast for this long instead of each waiting for a connect timeout. */
    private static final long RETRY_AFTER_NANOS = TimeUnit.MILLISECONDS.toNanos(250);

    private final ClientResources resources;
    private final RedisClient client;
    private final long commandTimeoutMillis;
    private volatile StatefulRedisConnection<String, String> connection;
    private long lastFailedConnect;
    private boolean failedBefore;

    RedisConnector(@Value("${redis.uri}") String uri, RedisSettings settings) {
        RedisURI redisUri = RedisURI.create(uri);
        redisUri.setTimeout(settings.commandTimeout());
        this.commandTimeoutMillis = settings.commandTimeout().toMillis();
        this.resources = ClientResources.builder()
                .reconnectDelay(Delay.exponential(Duration.ofMillis(20), Duration.ofSeconds(1), 2,
                        TimeUnit.MILLISECONDS))
                .build();
        this.client = RedisClient.create(resources, redisUri);
        client.setOptions(ClientOptions.builder()
                .autoReconnect(true)
                .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                .requestQueueSize(settings.requestQueueSize())
                .timeoutOptions(TimeoutOptions.enabled(settings.commandTimeout()))
                .socketOptions(SocketOptions.builder()
                        .connectTimeout(settings.connectTimeout())
                        .keepAlive(true)
                        .build())
                .build());
        LOG.info("Token store: Redis at {}:{}", redisUri.getHost(), redisUri.getPort());
    }

    /** Runs {@code command}; any Redis failure becomes {@link StoreUnavailableException}. */
    <T> T call(Function<RedisCommands<String, String>, T> command) {
        try {
            return command.apply(connection().sync());
        } catch (RedisCommandExecutionException e) {
            LOG.error("Redis refused a command: {}", e.getMessage());
            throw new StoreUnavailableException();
        } catch (RedisException e) {
            LOG.warn("Redis unavailable: {}", e.getClass().getSimpleName());
            throw new StoreUnavailableException();
        }
    }

    /**
     * Runs {@code command} without blocking: the stage completes on Lettuce's I/O thread, or exceptionally with
     * {@link StoreUnavailableException} for any Redis failure.
     */
    <T> CompletionStage<T> callAsync(Function<RedisAsyncCommands<String, String>, RedisFuture<T>> command) {
        CompletableFuture<T> result = new CompletableFuture<>();
        try {
            command.apply(connection().async()).whenComplete((value, e) -> {
                if (e == null) {
                    result.complete(value);
                } else {
                    LOG.warn("Redis unavailable: {}", e.getClass().getSimpleName());
                    result.completeExceptionally(new StoreUnavailableException());
                }
            });
        } catch (StoreUnavailableException e) {
            result.completeExceptionally(e);
        } catch (RedisException e) {
            LOG.warn("Redis unavailable: {}", e.getClass().getSimpleName());
            result.completeExceptionally(new StoreUnavailableException());
        }
        return result;
    }

    /**
     * Sends several commands without waiting between them (one round trip) and waits for all of them; any failure
     * becomes {@link StoreUnavailableException}.
     */
    void pipeline(Function<RedisAsyncCommands<String, String>, List<? extends Future<?>>> commands) {
        try {
            await(commands.apply(connection().async()));
        } catch (NoScriptLoaded e) {
            // Scripts are sent by digest; after a Redis restart or SCRIPT FLUSH, load them and send again
            // (every pipelined write here is idempotent).
            call(r -> {
                Script.ALL.forEach(s -> r.scriptLoad(s.text));
                return null;
            });
            await(commands.apply(connection().async()));
        }
    }

    private void await(List<? extends Future<?>> futures) {
        try {
            for (Future<?> f : futures) {
                f.get(commandTimeoutMillis, TimeUnit.MILLISECONDS);
            }
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RedisNoScriptException) {
                throw new NoScriptLoaded();
            }
            LOG.warn("Redis unavailable: {}", e.getCause().getClass().getSimpleName());
            throw new StoreUnavailableException();
        } catch (RedisException | TimeoutException e) {
            LOG.warn("Redis unavailable: {}", e.getClass().getSimpleName());
            throw new StoreUnavailableException();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StoreUnavailableException();
        }
    }

    /** Signals that a pipelined script was unknown to Redis. */
    private static final class NoScriptLoaded extends RuntimeException {
        NoScriptLoaded() {
            super(null, null, false, false);
        }
    }

    private StatefulRedisConnection<String, String> connection() {
        StatefulRedisConnection<String, String> c = connection;
        return c != null ? c : connect();
    }

    private synchronized StatefulRedisConnection<String, String> connect() {
        if (connection != null) {
            return connection;
        }
        if (failedBefore && System.nanoTime() - lastFailedConnect < RETRY_AFTER_NANOS) {
            throw new StoreUnavailableException();
        }
        try {
            connection = client.connect();
            failedBefore = false;
            return connection;
        } catch (RedisException e) {
            failedBefore = true;
            lastFailedConnect = System.nanoTime();
            LOG.warn("Cannot connect to Redis: {}", e.getClass().getSimpleName());
            throw new StoreUnavailableException();
        }
    }

    @PreDestroy
    void close() {
        StatefulRedisConnection<String, String> c = connection;
        if (c != null) {
            c.close();
        }
        client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        resources.shutdown(0, 2, TimeUnit.SECONDS);
    }

    /** A Lua script kept beside its store, run by digest with a fall-back to its text on {@code NOSCRIPT}. */
    static final class Script {
        static final List<Script> ALL = new java.util.concurrent.CopyOnWriteArrayList<>();
        private final String text;
        private final String sha;

        Script(String resource) {
            try (InputStream in = RedisConnector.class.getResourceAsStream(resource)) {
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

        /** Runs the script by digest inside a {@link #pipeline}, which loads it on {@code NOSCRIPT}. */
        RedisFuture<Long> runAsync(RedisAsyncCommands<String, String> redis, String[] keys, String... args) {
            return redis.evalsha(sha, ScriptOutputType.INTEGER, keys, args);
        }

        <T> T run(RedisCommands<String, String> redis, ScriptOutputType type, String[] keys, String... args) {
            try {
                return redis.evalsha(sha, type, keys, args);
            } catch (RedisNoScriptException e) {
                return redis.eval(text, type, keys, args);
            }
        }
    }
}

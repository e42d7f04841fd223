package dev.ephemera.store.redis;

import dev.ephemera.async.Stages;
import dev.ephemera.logging.RepeatedLog;
import dev.ephemera.metrics.BrokerMetrics;
import dev.ephemera.store.StoreUnavailableException;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisException;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.cluster.SlotHash;
import io.lettuce.core.cluster.api.async.RedisAdvancedClusterAsyncCommands;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.Delay;
import io.micronaut.context.annotation.Value;
import io.micronaut.http.netty.channel.EventLoopGroupRegistry;
import io.netty.channel.EventLoop;
import io.netty.util.HashedWheelTimer;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.EventExecutor;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This replica's Redis connections. Requests on the HTTP server's event loops each use a connection of their own
 * loop ({@link RedisLane}): the command is written, its reply read and the request continued on one thread, with no
 * hand-over between threads. Commands from other threads share one more connection on Lettuce's own I/O thread.
 * Nothing here blocks: every command is a stage. Connections open lazily (so the broker starts, not ready, while
 * Redis is down) and are re-opened by Lettuce after a loss; while one is down its commands are refused at once,
 * never queued. Every Redis failure becomes {@link StoreUnavailableException}.
 *
 * <p>The lanes are ours, Lettuce's pipelining their tool: against Lettuce's default set-up (one connection on its
 * own I/O thread, a flush per command) they gave +30% opaque mints/s and +23% redemptions/s side by side
 * ({@code bench/redis-lanes.sh}, 2026-11-30), so they stay. Commands are written against
 * {@code RedisClusterAsyncCommands}, which a Redis Cluster connection also offers.
 */
@Singleton
final class RedisConnector {

    private static final Logger LOG = LoggerFactory.getLogger(RedisConnector.class);
    private static final RepeatedLog REPEATED = new RepeatedLog(LOG);

    /**
     * Tick of the wheel that times out commands. A command's timeout stays in the wheel until the tick after its
     * reply, holding the command, its arguments and its reply: with Lettuce's default of 100 ms that kept about
     * 8,000 finished commands (5 MB, in young-generation survivors at every collection) alive at 17,000 mints/s,
     * and young pauses took 5 ms instead of 1.5. A 10 ms tick costs the timer thread 100 wake-ups a second.
     */
    private static final long TIMEOUT_TICK_MILLIS = 10;

    private final ClientResources resources;
    private final HashedWheelTimer timeouts;
    private final RedisEndpoint endpoint;
    private final RedisLane shared;
    private final RedisLane[] lanes;
    private final long commandTimeoutMillis;
    private final RedisFailures failures;
    private final RedisPersistence persistence;
    private final RedisSubscriptions subscriptions;

    @Inject
    RedisConnector(@Value("${redis.uri:}") String uri, @Value("${redis.uris:}") List<String> uris,
            RedisSettings settings, EventLoopGroupRegistry loops, BrokerMetrics metrics) {
        this(RedisEndpoint.of(uri, uris, settings.commandTimeout()), settings, loops.getDefaultEventLoopGroup(),
                metrics);
    }

    /** A connector with a lane on each of {@code serverLoops} (none: every command on the shared connection). */
    RedisConnector(String uri, RedisSettings settings, Iterable<EventExecutor> serverLoops) {
        this(RedisEndpoint.of(uri, List.of(), settings.commandTimeout()), settings, serverLoops, BrokerMetrics.none());
    }

    RedisConnector(RedisEndpoint endpoint, RedisSettings settings, Iterable<EventExecutor> serverLoops,
            BrokerMetrics metrics) {
        this.failures = new RedisFailures(metrics);
        this.endpoint = endpoint;
        this.commandTimeoutMillis = settings.commandTimeout().toMillis();
        this.timeouts = new HashedWheelTimer(new DefaultThreadFactory("redis-timeouts", true), TIMEOUT_TICK_MILLIS,
                TimeUnit.MILLISECONDS);
        // Started here: its first timeout would start it, and that waits on a latch for the worker thread, on the
        // event loop that opens the first connection (BlockingCallsTest saw it).
        timeouts.start();
        this.resources = ClientResources.builder()
                .timer(timeouts).addressResolverGroup(RedisNames.RESOLVER)
                .reconnectDelay(Delay.exponential(Duration.ofMillis(20), Duration.ofSeconds(1), 2,
                        TimeUnit.MILLISECONDS))
                .build();
        ClientOptions options = ClientOptions.builder()
                .autoReconnect(true)
                .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                .requestQueueSize(settings.requestQueueSize())
                .timeoutOptions(TimeoutOptions.enabled(settings.commandTimeout()))
                .socketOptions(SocketOptions.builder()
                        .connectTimeout(settings.connectTimeout())
                        .keepAlive(true)
                        .build())
                .build();
        this.shared = new RedisLane(null, endpoint.client(resources, options));
        List<RedisLane> onLoops = new ArrayList<>();
        for (EventExecutor executor : serverLoops) {
            if (executor instanceof EventLoop loop) {
                // The lane's client borrows the server's loop and shares this connector's timer and executors.
                ClientResources onLoop = resources.mutate().eventLoopGroupProvider(new RedisLane.OneLoop(loop)).build();
                onLoops.add(new RedisLane(loop, endpoint.client(onLoop, options)));
            }
        }
        this.lanes = onLoops.toArray(RedisLane[]::new);
        this.persistence = new RedisPersistence(resources, this::persistenceSaid);
        this.subscriptions = new RedisSubscriptions(shared.client(), resources);
        LOG.info("Token store: {}, {} connection(s) on the server's event loops and one shared",
                endpoint.describe(), lanes.length);
    }

    /**
     * Runs {@code command} without blocking: on a server event loop, on that loop's own connection, and the stage
     * completes on the same loop; from any other thread, on the shared connection. The stage fails with
     * {@link StoreUnavailableException} for any Redis failure. A script sent by digest that Redis does not know
     * (after a restart or {@code SCRIPT FLUSH}) is loaded and the command sent once more, so only idempotent
     * commands, or scripts that fail before changing anything, belong here.
     */
    <T> CompletionStage<T> callAsync(
            Function<RedisClusterAsyncCommands<String, String>, ? extends CompletionStage<T>> command) {
        CompletableFuture<T> result = new CompletableFuture<>();
        send(command, true, result);
        return result;
    }

    private <T> void send(Function<RedisClusterAsyncCommands<String, String>, ? extends CompletionStage<T>> command,
            boolean mayReload, CompletableFuture<T> result) {
        RedisLane lane = laneOfThisThread();
        CompletableFuture<RedisEndpoint.Connection> ready = lane.connect();
        if (!ready.isDone()) {
            ready.whenComplete((c, e) -> {
                if (e == null) {
                    send(command, mayReload, result);
                } else {
                    result.completeExceptionally(failures.unavailable(e));
                }
            });
            return;
        }
        try {
            CompletionStage<T> sent = command.apply(ready.join().commands());
            lane.flushSoon();
            sent.whenComplete((value, e) -> {
                if (e == null) {
                    result.complete(value);
                } else if (mayReload && Stages.cause(e) instanceof RedisNoScriptException) {
                    reloadScripts().whenComplete((ignored, reloadFailure) -> {
                        if (reloadFailure == null) {
                            send(command, false, result);
                        } else {
                            result.completeExceptionally(failures.passOn(reloadFailure));
                        }
                    });
                } else {
                    result.completeExceptionally(failures.unavailable(e));
                }
            });
        } catch (CompletionException | RedisException e) {
            result.completeExceptionally(failures.unavailable(e));
        }
    }

    /** Calls {@code listener} with every message on {@code channel} ({@link RedisSubscriptions}). */
    void subscribe(String channel, Consumer<String> listener) {
        subscriptions.subscribe(channel, listener);
    }

    /** Whether the store is a Redis Cluster ({@code redis.uris}). */
    boolean clustered() {
        return endpoint instanceof RedisEndpoint.Cluster;
    }

    /**
     * The commands of the connection that runs commands on {@code key}: {@code r} itself, except on a Cluster, where
     * it is the connection to the master serving the key's slot (the one the cluster connection routes the key's
     * commands to), for commands about a connection rather than a key, such as {@code WAIT}. Never blocks: a node
     * connection still opening is waited for as a stage.
     */
    static CompletionStage<RedisClusterAsyncCommands<String, String>> connectionOf(
            RedisClusterAsyncCommands<String, String> r, String key) {
        if (r instanceof RedisAdvancedClusterAsyncCommands<String, String> cluster) {
            RedisClusterNode master = cluster.getStatefulConnection().getPartitions()
                    .getMasterBySlot(SlotHash.getSlot(key));
            if (master != null) {
                return cluster.getStatefulConnection().getConnectionAsync(master.getNodeId())
                        .thenApply(node -> node.async());
            }
        }
        return CompletableFuture.completedFuture(r);
    }

    /**
     * Whether every connection of this replica answers a PING now (on a Cluster: is open): readiness holds only
     * when a request on any event loop would reach Redis. Connections not yet opened are opened. Never fails.
     */
    CompletionStage<Boolean> allReachable() {
        List<CompletableFuture<String>> pings = new ArrayList<>();
        for (RedisLane lane : allLanes()) {
            pings.add(lane.connect().thenCompose(c -> {
                // A cluster connection sends PING to one node of its choice, which may be a master that has just
                // died while its slots are served again: each master is reached by the probe's own keys instead.
                CompletionStage<String> ping = clustered() ? CompletableFuture.completedFuture("PONG")
                        : c.commands().ping();
                lane.flushSoon();
                return ping;
            }).orTimeout(commandTimeoutMillis * 2, TimeUnit.MILLISECONDS));
        }
        return CompletableFuture.allOf(pings.toArray(CompletableFuture[]::new))
                .thenApply(all -> pings.stream().allMatch(ping -> "PONG".equals(ping.join())))
                .exceptionally(failed -> false);
    }

    private List<RedisLane> allLanes() {
        List<RedisLane> all = new ArrayList<>(List.of(lanes));
        all.add(shared);
        return all;
    }

    private RedisLane laneOfThisThread() {
        for (RedisLane lane : lanes) {
            if (lane.isOnThisThread()) {
                return lane;
            }
        }
        return shared;
    }

    /**
     * Sends several commands without waiting between them (one round trip); the stage completes when all have
     * answered, or exceptionally with {@link StoreUnavailableException}. Reloads scripts as {@link #callAsync}, and
     * sends the commands again only when none of their scripts ran: on a Cluster whose masters did not all forget
     * them, a script that ran is not run twice (the pipeline fails once instead).
     */
    CompletionStage<Void> pipelineAsync(
            Function<RedisClusterAsyncCommands<String, String>, List<? extends RedisFuture<?>>> commands) {
        return callAsync(r -> {
            List<? extends RedisFuture<?>> sent = commands.apply(r);
            return CompletableFuture.allOf(sent.stream().map(RedisFuture::toCompletableFuture)
                    .toArray(CompletableFuture[]::new)).exceptionallyCompose(failed ->
                            Stages.cause(failed) instanceof RedisNoScriptException && RedisScript.anyRan(sent)
                                    ? reloadScripts().handle((loaded, e) -> {
                                        throw new RedisException("a pipeline's scripts ran on some masters only");
                                    })
                                    : CompletableFuture.failedFuture(failed));
        });
    }

    private CompletionStage<Void> reloadScripts() {
        return callAsync(r -> CompletableFuture.allOf(RedisScript.ALL.stream()
                .map(s -> r.scriptLoad(s.text()).toCompletableFuture()).toArray(CompletableFuture[]::new)));
    }

    /** {@code aof_enabled} and {@code save} as Redis reports them ({@code save} absent where CONFIG is refused). */
    private CompletableFuture<Map<String, String>> persistenceSaid() {
        CompletableFuture<String> info = this.<String>callAsync(r -> r.info("persistence")).toCompletableFuture();
        CompletableFuture<Map<String, String>> save = this.<Map<String, String>>callAsync(r -> r.configGet("save")
                .exceptionally(refused -> Map.of())).toCompletableFuture();
        return info.thenCombine(save, (persistence, config) -> {
            Map<String, String> said = new HashMap<>();
            said.put("aof_enabled", RedisPersistence.aofEnabled(persistence));
            if (config.containsKey("save")) {
                said.put("save", config.get("save"));
            }
            return said;
        });
    }

    @PreDestroy
    void close() {
        subscriptions.close();
        persistence.close();
        for (RedisLane lane : lanes) {
            lane.close();
        }
        shared.close();
        resources.shutdown(0, 2, TimeUnit.SECONDS);
        timeouts.stop();
    }
}

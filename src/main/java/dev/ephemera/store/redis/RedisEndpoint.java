package dev.ephemera.store.redis;

import io.lettuce.core.AbstractRedisClient;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.cluster.ClusterClientOptions;
import io.lettuce.core.cluster.ClusterTopologyRefreshOptions;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.lettuce.core.masterreplica.MasterReplica;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import io.lettuce.core.resource.ClientResources;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * Where the store is and how a connection to it opens (SPEC §2). {@code redis.uri} names a standalone server
 * ({@code redis://}, {@code rediss://}) or a Sentinel group ({@code redis-sentinel://host:26379,…/0#master}: Lettuce's
 * master/replica connection, which follows Sentinel's failover events instead of finding the new master only on a
 * reconnect); {@code redis.uris} names the seed nodes of a Cluster (Lettuce's cluster client, its topology
 * refreshed on MOVED, ASK and reconnects (at most once a second), and every 30 s).
 */
sealed interface RedisEndpoint {

    /** The endpoint {@code uri} or {@code uris} name; exactly one of them is set. */
    static RedisEndpoint of(String uri, List<String> uris, Duration commandTimeout) {
        List<String> seeds = uris.stream().filter(u -> !u.isBlank()).toList();
        if (!seeds.isEmpty()) {
            if (!uri.isBlank()) {
                throw new IllegalArgumentException("Set redis.uri (standalone or Sentinel) or redis.uris (Cluster "
                        + "seed nodes), not both");
            }
            return new Cluster(seeds.stream().map(u -> withTimeout(RedisURI.create(u.trim()), commandTimeout))
                    .toList());
        }
        RedisURI parsed = withTimeout(RedisURI.create(uri), commandTimeout);
        return parsed.getSentinels().isEmpty() ? new Standalone(parsed) : new Sentinel(parsed);
    }

    private static RedisURI withTimeout(RedisURI uri, Duration timeout) {
        uri.setTimeout(timeout);
        return uri;
    }

    /** A client on {@code resources} with {@code options} (Cluster options derived from them where needed). */
    Client client(ClientResources resources, ClientOptions options);

    /** Hosts and ports, without credentials, for the start-up log. */
    String describe();

    /** One open connection: its lifecycle and its commands, the same interface on every topology. */
    record Connection(StatefulConnection<String, String> stateful,
            RedisClusterAsyncCommands<String, String> commands) {
    }

    /** A Lettuce client, how it opens a connection, and how it opens a publish/subscribe connection. */
    record Client(AbstractRedisClient lettuce, Supplier<CompletableFuture<Connection>> opener,
            Supplier<CompletableFuture<StatefulRedisPubSubConnection<String, String>>> pubSubOpener) {

        CompletableFuture<Connection> connect() {
            return opener.get();
        }

        CompletableFuture<StatefulRedisPubSubConnection<String, String>> connectPubSub() {
            return pubSubOpener.get();
        }
    }

    record Standalone(RedisURI uri) implements RedisEndpoint {
        @Override
        public Client client(ClientResources resources, ClientOptions options) {
            RedisClient client = RedisClient.create(resources, uri);
            client.setOptions(options);
            return new Client(client, () -> client.connectAsync(Utf8Codec.INSTANCE, uri).toCompletableFuture()
                    .thenApply(c -> new Connection(c, c.async())),
                    () -> client.connectPubSubAsync(Utf8Codec.INSTANCE, uri).toCompletableFuture());
        }

        @Override
        public String describe() {
            return "Redis at " + uri.getHost() + ":" + uri.getPort();
        }
    }

    record Sentinel(RedisURI uri) implements RedisEndpoint {
        @Override
        public Client client(ClientResources resources, ClientOptions options) {
            RedisClient client = RedisClient.create(resources);
            client.setOptions(options);
            // Publish/subscribe on the master that Sentinel names at each connect and reconnect.
            return new Client(client, () -> MasterReplica.connectAsync(client, Utf8Codec.INSTANCE, uri)
                    .thenApply(c -> new Connection(c, c.async())),
                    () -> client.connectPubSubAsync(Utf8Codec.INSTANCE, uri).toCompletableFuture());
        }

        @Override
        public String describe() {
            return "Redis Sentinel group '" + uri.getSentinelMasterId() + "' at " + uri.getSentinels().stream()
                    .map(s -> s.getHost() + ":" + s.getPort()).collect(Collectors.joining(","));
        }
    }

    record Cluster(List<RedisURI> seeds) implements RedisEndpoint {
        @Override
        public Client client(ClientResources resources, ClientOptions options) {
            RedisClusterClient client = RedisClusterClient.create(resources, seeds);
            client.setOptions(ClusterClientOptions.builder(options)
                    .topologyRefreshOptions(ClusterTopologyRefreshOptions.builder()
                            .enableAllAdaptiveRefreshTriggers()
                            // Lettuce's default waits 30 s between adaptive refreshes: the first one after a master
                            // dies comes before the cluster has promoted its replica and sees nothing new.
                            // FailoverTest: the dead master's slots answered again after 31 s with the default,
                            // 7 s with 1 s.
                            .adaptiveRefreshTriggersTimeout(Duration.ofSeconds(1))
                            .enablePeriodicRefresh(Duration.ofSeconds(30))
                            .build())
                    .build());
            // The topology is read first, without blocking: connectAsync needs it and would not load it itself.
            return new Client(client, () -> client.refreshPartitionsAsync().toCompletableFuture()
                    .thenCompose(loaded -> client.connectAsync(Utf8Codec.INSTANCE))
                    .thenApply(c -> new Connection(c, c.async())),
                    // A Cluster passes every PUBLISH to all its nodes: one subscription on any node hears them all.
                    () -> client.refreshPartitionsAsync().toCompletableFuture()
                            .thenCompose(loaded -> client.connectPubSubAsync(Utf8Codec.INSTANCE))
                            .thenApply(c -> (StatefulRedisPubSubConnection<String, String>) c));
        }

        @Override
        public String describe() {
            return "Redis Cluster seeded by " + seeds.stream().map(s -> s.getHost() + ":" + s.getPort())
                    .collect(Collectors.joining(","));
        }
    }
}

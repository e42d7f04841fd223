package dev.ephemera.support;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.sentinel.api.StatefulRedisSentinelConnection;
import io.lettuce.core.sentinel.api.sync.RedisSentinelCommands;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import java.util.stream.IntStream;

/**
 * Redis Sentinel groups and Clusters on free loopback ports, started by the tests from the same {@code redis-server}
 * as {@link TestRedis#serverBinary()} (so from the binary a Maven test dependency ships where no other is installed)
 * and set up through Lettuce, not {@code redis-cli}, which that dependency does not ship; stopped at JVM exit. Each
 * is ready in about 2 s.
 */
public final class RedisTopologies {

    /** A Cluster node's bus listens on its port + 10000 (Redis 6.2 has no cluster-port), which must be a port too. */
    private static final int HIGHEST_CLUSTER_PORT = 65535 - 10000;
    private static final int SLOTS = 16384;

    private static RedisClient client;
    private static List<String> sharedCluster;
    private static SentinelGroup sharedSentinel;

    private RedisTopologies() {
    }

    /** One 3-master Cluster for the tests that only use it, started on first use. */
    public static synchronized List<String> sharedCluster() {
        if (sharedCluster == null) {
            sharedCluster = cluster(0);
        }
        return sharedCluster;
    }

    /** One Sentinel group for the tests that only use it, started on first use. */
    public static synchronized SentinelGroup sharedSentinel() {
        if (sharedSentinel == null) {
            sharedSentinel = sentinel("ephemera");
        }
        return sharedSentinel;
    }

    /** A master, one replica and three Sentinels watching it as {@code name}. */
    public record SentinelGroup(String name, String masterUri, String replicaUri, List<Integer> sentinelPorts) {

        /** {@code redis-sentinel://127.0.0.1:p1,127.0.0.1:p2,127.0.0.1:p3/0#name}. */
        public String uri() {
            return "redis-sentinel://" + String.join(",", sentinelPorts.stream().map(p -> "127.0.0.1:" + p).toList())
                    + "/0#" + name;
        }
    }

    /**
     * Three masters (and {@code replicasPerMaster} replicas each) joined into one Cluster as {@code redis-cli
     * --cluster create} joins them: each master its own config epoch and a third of the slots, every node met, each
     * replica following its master. The masters' URIs.
     */
    public static List<String> cluster(int replicasPerMaster) {
        return cluster(server(), replicasPerMaster);
    }

    /** {@link #cluster(int)} of the redis-server {@code server}. */
    public static List<String> cluster(String server, int replicasPerMaster) {
        List<String> nodes = new ArrayList<>();
        for (int i = 0; i < 3 * (1 + replicasPerMaster); i++) {
            nodes.add(TestRedis.startLocal(server, clusterPort(), "--cluster-enabled", "yes",
                    "--cluster-config-file", "nodes.conf", "--cluster-node-timeout", "2000"));
        }
        join(nodes, "127.0.0.1", port(nodes.get(0)));
        for (int i = 3; i < nodes.size(); i++) {
            String master = on(nodes.get(i % 3), RedisCommands::clusterMyId);
            on(nodes.get(i), c -> c.clusterReplicate(master));
        }
        waitFor(() -> nodes.stream().allMatch(node -> on(node, RedisCommands::clusterInfo)
                .contains("cluster_state:ok")));
        // Replicas in sync: a master that stops before its replica's first synchronisation takes its keys along.
        for (String node : nodes) {
            waitFor(() -> {
                String replication = on(node, c -> c.info("replication"));
                return replication.contains("role:master") || replication.contains("master_link_status:up");
            });
        }
        return nodes.subList(0, 3);
    }

    /**
     * Joins {@code nodes} (URIs this JVM reaches them at) into one Cluster: the first three its masters, each its own
     * config epoch and a third of the slots, every node met through the first one, which the others reach at
     * {@code firstHost:firstPort}.
     */
    static void join(List<String> nodes, String firstHost, int firstPort) {
        for (int m = 0; m < 3; m++) {
            long epoch = m + 1;
            int[] slots = IntStream.range(m * SLOTS / 3, (m + 1) * SLOTS / 3).toArray();
            on(nodes.get(m), c -> c.clusterSetConfigEpoch(epoch) + c.clusterAddSlots(slots));
        }
        nodes.subList(1, nodes.size()).forEach(node -> on(node, c -> c.clusterMeet(firstHost, firstPort)));
        waitFor(() -> nodes.stream().allMatch(node -> on(node, RedisCommands::clusterNodes).lines()
                .filter(line -> !line.contains("handshake")).count() == nodes.size()));
    }

    /** A Sentinel group named {@code name}: the replica follows the master, three Sentinels (quorum 2) watch it. */
    public static SentinelGroup sentinel(String name) {
        return sentinel(name, 1);
    }

    /** A Sentinel group with {@code replicas} replicas (the first one's URI in the record). */
    public static SentinelGroup sentinel(String name, int replicas) {
        return sentinel(server(), name, replicas);
    }

    /** {@link #sentinel(String, int)} of the redis-server {@code server}. */
    public static SentinelGroup sentinel(String server, String name, int replicas) {
        String master = TestRedis.startLocal(server, "--repl-diskless-sync-delay", "0");
        int masterPort = port(master);
        String replica = null;
        for (int i = 0; i < replicas; i++) {
            String started = TestRedis.startLocal(server, "--replicaof", "127.0.0.1", Integer.toString(masterPort),
                    "--repl-diskless-sync-delay", "0");
            replica = replica == null ? started : replica;
        }
        List<Integer> sentinels = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            sentinels.add(startSentinel(server, name, masterPort));
        }
        waitFor(() -> !onSentinel(sentinels.get(0), s -> s.replicas(name)).isEmpty());
        // In sync: a WAIT on the master counts the replica only once its first synchronisation is over.
        waitFor(() -> on(master, c -> c.info("replication")).split("state=online", -1).length == replicas + 1);
        return new SentinelGroup(name, master, replica, sentinels);
    }

    /** Runs {@code commands} on the one node at {@code uri} (a Cluster node as itself), on a connection of its own. */
    public static <T> T on(String uri, Function<RedisCommands<String, String>, T> commands) {
        try (StatefulRedisConnection<String, String> connection = client().connect(RedisURI.create(uri))) {
            return commands.apply(connection.sync());
        }
    }

    /** Stops the node at {@code uri} at once, saving nothing: a crash as the others see it. */
    public static void kill(String uri) {
        try {
            on(uri, c -> {
                c.shutdown(false);
                return null;
            });
        } catch (RedisException e) {
            // The node closed the connection on its way out, as it should.
        }
    }

    /** Runs {@code commands} on the Sentinel on loopback {@code port}, on a connection of its own. */
    static <T> T onSentinel(int port, Function<RedisSentinelCommands<String, String>, T> commands) {
        try (StatefulRedisSentinelConnection<String, String> connection = client()
                .connectSentinel(RedisURI.create("redis://127.0.0.1:" + port))) {
            return commands.apply(connection.sync());
        }
    }

    private static synchronized RedisClient client() {
        if (client == null) {
            client = RedisClient.create();
            // A command on a node that goes away fails at once, never retried on a node that is not coming back.
            client.setOptions(ClientOptions.builder().autoReconnect(false).build());
            client.setDefaultTimeout(Duration.ofSeconds(5));
        }
        return client;
    }

    private static int startSentinel(String server, String name, int masterPort) {
        int port = TestRedis.freePort();
        try {
            Path dir = Files.createTempDirectory("ephemera-sentinel");
            Path conf = dir.resolve("sentinel.conf");
            Files.writeString(conf, String.join("\n",
                    "port " + port,
                    "bind 127.0.0.1",
                    "dir " + dir,
                    "sentinel monitor " + name + " 127.0.0.1 " + masterPort + " 2",
                    "sentinel down-after-milliseconds " + name + " 1000",
                    "sentinel failover-timeout " + name + " 3000",
                    "sentinel parallel-syncs " + name + " 1", ""));
            Process process = Processes.builder(server, conf.toString(), "--sentinel")
                    .redirectErrorStream(true).redirectOutput(dir.resolve("sentinel.log").toFile()).start();
            Runtime.getRuntime().addShutdownHook(new Thread(process::destroy));
            waitFor(() -> onSentinel(port, RedisSentinelCommands::ping).equals("PONG"));
            return port;
        } catch (IOException e) {
            throw new IllegalStateException("Could not start a Sentinel: " + e.getMessage(), e);
        }
    }

    private static String server() {
        String server = TestRedis.serverBinary();
        if (server == null) {
            throw new IllegalStateException("No redis-server for the Sentinel and Cluster tests: none on the PATH, "
                    + "and embedded-redis ships none for " + System.getProperty("os.name") + "/"
                    + System.getProperty("os.arch") + "; install redis-server or name one with -D"
                    + TestRedis.SERVER_PROPERTY + "=/path");
        }
        return server;
    }

    /** A free port for a Cluster node: its bus port (+10000) is a port too. */
    public static int clusterPort() {
        while (true) {
            int port = TestRedis.freePort();
            if (port <= HIGHEST_CLUSTER_PORT) {
                return port;
            }
        }
    }

    private static int port(String uri) {
        return java.net.URI.create(uri).getPort();
    }

    /** Waits up to 15 s for {@code ready}, asking again every 100 ms; a RedisException counts as not yet. */
    static void waitFor(BooleanSupplier ready) {
        long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        while (System.nanoTime() < deadline) {
            try {
                if (ready.getAsBoolean()) {
                    return;
                }
            } catch (RedisException e) {
                // Not up yet: asked again below.
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        throw new IllegalStateException("Redis topology not ready within 15 s");
    }
}

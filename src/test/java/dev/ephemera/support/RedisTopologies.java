package dev.ephemera.support;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Redis Sentinel groups and Clusters on free loopback ports, started by the tests from the local
 * {@code redis-server} and {@code redis-cli} (CI installs them), stopped at JVM exit. Each is ready in about 2 s.
 */
public final class RedisTopologies {

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

    /** Three masters (and {@code replicasPerMaster} replicas each) joined into one Cluster; the masters' URIs. */
    public static List<String> cluster(int replicasPerMaster) {
        String server = require("redis-server");
        String cli = require("redis-cli");
        List<String> nodes = new ArrayList<>();
        for (int i = 0; i < 3 * (1 + replicasPerMaster); i++) {
            nodes.add(TestRedis.startLocal(server, "--cluster-enabled", "yes", "--cluster-config-file",
                    "nodes-" + TestRedis.freePort() + ".conf", "--cluster-node-timeout", "2000"));
        }
        List<String> command = new ArrayList<>(List.of(cli, "--cluster", "create"));
        nodes.forEach(n -> command.add(n.substring("redis://".length())));
        command.addAll(List.of("--cluster-replicas", Integer.toString(replicasPerMaster), "--cluster-yes"));
        run(command);
        waitFor(() -> run(List.of(cli, "-u", nodes.get(0), "cluster", "info")).contains("cluster_state:ok"));
        // Replicas in sync: a master that stops before its replica's first synchronisation takes its keys along.
        for (String node : nodes) {
            waitFor(() -> {
                String replication = run(List.of(cli, "-u", node, "info", "replication"));
                return replication.contains("role:master") || replication.contains("master_link_status:up");
            });
        }
        return nodes.subList(0, 3);
    }

    /** A Sentinel group named {@code name}: the replica follows the master, three Sentinels (quorum 2) watch it. */
    public static SentinelGroup sentinel(String name) {
        return sentinel(name, 1);
    }

    /** A Sentinel group with {@code replicas} replicas (the first one's URI in the record). */
    public static SentinelGroup sentinel(String name, int replicas) {
        String server = require("redis-server");
        String cli = require("redis-cli");
        String master = TestRedis.startLocal(server, "--repl-diskless-sync-delay", "0");
        int masterPort = java.net.URI.create(master).getPort();
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
        waitFor(() -> run(List.of(cli, "-p", Integer.toString(sentinels.get(0)), "sentinel", "replicas", name))
                .contains("127.0.0.1"));
        // In sync: a WAIT on the master counts the replica only once its first synchronisation is over.
        waitFor(() -> run(List.of(cli, "-u", master, "info", "replication")).split("state=online", -1).length
                == replicas + 1);
        return new SentinelGroup(name, master, replica, sentinels);
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
            waitFor(() -> run(List.of(require("redis-cli"), "-p", Integer.toString(port), "ping")).contains("PONG"));
            return port;
        } catch (IOException e) {
            throw new IllegalStateException("Could not start a Sentinel: " + e.getMessage(), e);
        }
    }

    /** A program the topologies need: missing, the test fails when {@code CI=true} and is skipped elsewhere. */
    private static String require(String program) {
        return ExternalTools.require("ephemera.test." + program, "apt-get install -y redis-server redis-tools "
                + "(the Sentinel and Cluster tests)", program).toString();
    }

    /** Runs {@code command} to its end (10 s at most) and returns what it printed, errors included. */
    public static String run(List<String> command) {
        Processes.Result result = Processes.run(command, Duration.ofSeconds(10));
        return result.out() + result.err();
    }

    private static void waitFor(java.util.function.BooleanSupplier ready) {
        long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        while (System.nanoTime() < deadline) {
            if (ready.getAsBoolean()) {
                return;
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

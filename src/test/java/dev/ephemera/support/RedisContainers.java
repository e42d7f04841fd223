package dev.ephemera.support;

import java.util.ArrayList;
import java.util.List;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.Network;
import org.testcontainers.images.builder.Transferable;
import org.testcontainers.lifecycle.Startables;

/**
 * Redis servers, Sentinel groups and Clusters in containers of {@link TestImages#REDIS}, as the broker's container
 * meets them on a network of the test's: each server by a name of its own there, as a Kubernetes Service names it,
 * and by its port published on 127.0.0.1 for the test itself. A Sentinel tells its clients the master's address and
 * a Cluster node its own, each as seen on that network, so a broker in another container reaches them where this
 * JVM could not; the test sets them up and reads them through the published ports.
 */
public final class RedisContainers {

    private static final String[] NO_PERSISTENCE = {"--bind", "0.0.0.0", "--protected-mode", "no", "--save", "",
        "--appendonly", "no"};

    private RedisContainers() {
    }

    /** One server in a container: {@code alias:port} on its network, {@link #hostUri()} from this JVM. */
    public record Node(GenericContainer<?> container, String alias, int port) {

        /** {@code redis://alias:port}: the server as another container on its network reaches it. */
        public String networkUri() {
            return "redis://" + alias + ":" + port;
        }

        /** {@code redis://127.0.0.1:<published port>}: the server as this JVM reaches it. */
        public String hostUri() {
            return "redis://127.0.0.1:" + container.getMappedPort(port);
        }

        /** The container's address on its (one) network. */
        public String ip() {
            return container.getContainerInfo().getNetworkSettings().getNetworks().values().iterator().next()
                    .getIpAddress();
        }
    }

    /** A master, one replica and Sentinels watching it as {@code name}, on one network. */
    public record Sentinel(String name, Node master, Node replica, List<Node> sentinels) {

        /** {@code redis-sentinel://alias1:port1,…/0#name}: the group as the broker's container reaches it. */
        public String networkUri() {
            return "redis-sentinel://" + String.join(",", sentinels.stream().map(s -> s.alias() + ":" + s.port())
                    .toList()) + "/0#" + name;
        }
    }

    /**
     * The test run's Redis on the engine's default network, published on 127.0.0.1 only: {@link TestRedis}'s when
     * an engine runs.
     */
    public static String standalone() {
        GenericContainer<?> redis = container(6379, NO_PERSISTENCE);
        redis.start();
        return "redis://127.0.0.1:" + redis.getMappedPort(6379);
    }

    /** A started server named {@code alias} on {@code network}, without persistence unless {@code extra} says. */
    public static Node node(Network network, String alias, String... extra) {
        Node node = unstarted(network, alias, 6379, extra);
        node.container().start();
        return node;
    }

    /**
     * A master ({@code <name>-master}), its replica ({@code <name>-replica}) and one Sentinel per alias of
     * {@code sentinels} on {@code port} (quorum 2), all started, the replica in sync and known to every Sentinel.
     */
    public static Sentinel sentinel(Network network, String name, List<String> sentinels, int port) {
        Node master = node(network, name + "-master", "--repl-diskless-sync-delay", "0");
        Node replica = node(network, name + "-replica", "--replicaof", master.alias(), "6379");
        // In sync before the Sentinels start: they learn of the replica from the master's first INFO, not 10 s later.
        RedisTopologies.waitFor(() -> RedisTopologies.on(master.hostUri(), c -> c.info("replication"))
                .contains("state=online"));
        List<Node> watching = new ArrayList<>();
        for (String alias : sentinels) {
            Node sentinel = unstarted(network, alias, port, "/data/sentinel.conf", "--sentinel");
            sentinel.container().withCopyToContainer(Transferable.of(String.join("\n",
                    "port " + port,
                    "bind 0.0.0.0",
                    "protected-mode no",
                    "dir /data",
                    "sentinel resolve-hostnames yes",
                    "sentinel monitor " + name + " " + master.alias() + " 6379 2",
                    "sentinel down-after-milliseconds " + name + " 1000",
                    "sentinel failover-timeout " + name + " 3000", ""), 0666), "/data/sentinel.conf");
            watching.add(sentinel);
        }
        startAll(watching);
        for (Node sentinel : watching) {
            int published = sentinel.container().getMappedPort(port);
            RedisTopologies.waitFor(() -> !RedisTopologies.onSentinel(published, s -> s.replicas(name)).isEmpty());
        }
        return new Sentinel(name, master, replica, List.copyOf(watching));
    }

    /** Three masters named {@code <prefix>-0..2}, each a third of the slots, joined into one Cluster. */
    public static List<Node> cluster(Network network, String prefix) {
        List<Node> nodes = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            nodes.add(unstarted(network, prefix + "-" + i, 6379, "--cluster-enabled", "yes", "--cluster-config-file",
                    "nodes.conf", "--cluster-node-timeout", "2000"));
        }
        startAll(nodes);
        List<String> uris = nodes.stream().map(Node::hostUri).toList();
        RedisTopologies.join(uris, nodes.get(0).ip(), 6379);
        RedisTopologies.waitFor(() -> uris.stream().allMatch(uri -> RedisTopologies.on(uri, c -> c.clusterInfo())
                .contains("cluster_state:ok")));
        return List.copyOf(nodes);
    }

    /** A server on {@code port} with {@code extra} arguments, or with only them where they name a config file. */
    private static Node unstarted(Network network, String alias, int port, String... extra) {
        List<String> command = new ArrayList<>();
        if (extra.length == 0 || !extra[0].startsWith("/")) {
            command.addAll(List.of("--port", Integer.toString(port)));
            command.addAll(List.of(NO_PERSISTENCE));
        }
        command.addAll(List.of(extra));
        GenericContainer<?> container = container(port, command.toArray(String[]::new)).withNetwork(network)
                .withNetworkAliases(alias);
        return new Node(container, alias, port);
    }

    /** A container of the Redis image running {@code redis-server <command>}, {@code port} published on loopback. */
    private static GenericContainer<?> container(int port, String... command) {
        return ContainerEngine.track(new GenericContainer<>(TestImages.redis())
                .withExposedPorts(port)
                .withCreateContainerCmdModifier(ContainerEngine.loopbackOnly(port))
                .withCommand(command)
                .waitingFor(LoopbackWait.redisPing(port)));
    }

    private static void startAll(List<Node> nodes) {
        Startables.deepStart(nodes.stream().map(Node::container)).join();
    }
}

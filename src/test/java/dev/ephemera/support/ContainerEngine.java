package dev.ephemera.support;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.command.CreateContainerCmd;
import com.github.dockerjava.api.model.Container;
import com.github.dockerjava.api.model.ExposedPort;
import com.github.dockerjava.api.model.PortBinding;
import com.github.dockerjava.api.model.Ports;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.function.Consumer;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.Network;

/**
 * The container engine the tests run containers on, reached as Testcontainers reaches it: Docker, or podman's
 * Docker-compatible socket ({@code DOCKER_HOST=unix:///run/podman/podman.sock}, with
 * {@code TESTCONTAINERS_RYUK_DISABLED=true}: Ryuk's image cannot be pulled where no registry is reachable).
 * Testcontainers' own reaper may be off, so every container and network the tests make is labelled with this JVM's
 * pid ({@link #LABELS}), removed by one shutdown hook (containers first, then their networks), and removed by the
 * next test run should this JVM die before its hook runs.
 */
public final class ContainerEngine {

    /** Labels every container and network of the tests': this JVM's pid, which tells a leftover of a dead run. */
    public static final Map<String, String> LABELS = Map.of(PidLabel.NAME,
            Long.toString(ProcessHandle.current().pid()));

    private static final String INSTALL = "Docker, or podman's socket with DOCKER_HOST and "
            + "TESTCONTAINERS_RYUK_DISABLED=true (README: the container tests)";

    private static final Deque<AutoCloseable> STARTED = new ConcurrentLinkedDeque<>();
    private static Boolean available;

    private ContainerEngine() {
    }

    /** Whether an engine answers; asked once per JVM, and leftovers of dead test runs removed then. */
    public static synchronized boolean available() {
        if (available == null) {
            available = reachable();
            if (available) {
                removeLeftovers();
                Runtime.getRuntime().addShutdownHook(new Thread(ContainerEngine::stopAll, "containers-stop"));
            }
        }
        return available;
    }

    /** For a test that needs containers: fails it when {@code CI=true} and there is no engine, else skips it. */
    public static void require() {
        if (!available()) {
            throw ExternalTools.missing("a container engine", INSTALL);
        }
    }

    /** The engine's client (Testcontainers' docker-java). */
    public static DockerClient client() {
        return DockerClientFactory.instance().client();
    }

    /** Whether the engine is podman: the images are then built with the podman command, else with docker. */
    public static boolean isPodman() {
        var components = client().versionCmd().exec().getComponents();
        return components != null && components.stream()
                .anyMatch(component -> component.getName().toLowerCase(java.util.Locale.ROOT).contains("podman"));
    }

    /** {@code container}, labelled and stopped (removed) at JVM exit if its test has not stopped it. */
    public static <T extends GenericContainer<?>> T track(T container) {
        container.withLabels(LABELS);
        STARTED.push(container::stop);
        return container;
    }

    /** A network of its own for a test's containers (its test closes it), else removed at JVM exit after them. */
    public static Network network() {
        Network network = Network.builder().createNetworkCmdModifier(cmd -> cmd.withLabels(LABELS)).build();
        STARTED.addLast(network::close);
        return network;
    }

    /**
     * Publishes {@code ports} on 127.0.0.1 only (each on a free port the engine picks), where Testcontainers would
     * publish them on every address: the tests' network is loopback.
     */
    public static Consumer<CreateContainerCmd> loopbackOnly(int... ports) {
        return cmd -> cmd.getHostConfig().withPortBindings(Arrays.stream(ports).mapToObj(port -> new PortBinding(
                Ports.Binding.bindIp("127.0.0.1"), ExposedPort.tcp(port))).toList());
    }

    private static boolean reachable() {
        try {
            return DockerClientFactory.instance().isDockerAvailable();
        } catch (RuntimeException | LinkageError e) {
            return false;
        }
    }

    /** Containers first (newest first), networks last: a network in use cannot be removed. */
    private static void stopAll() {
        AutoCloseable next;
        while ((next = STARTED.pollFirst()) != null) {
            try {
                next.close();
            } catch (Exception e) {
                // Gone already; the next run removes what is left.
            }
        }
    }

    private static void removeLeftovers() {
        DockerClient client = client();
        List<String> dead = new ArrayList<>();
        for (Container container : client.listContainersCmd().withShowAll(true)
                .withLabelFilter(List.of(PidLabel.NAME)).exec()) {
            if (PidLabel.dead(container.getLabels())) {
                dead.add(container.getId());
            }
        }
        dead.forEach(id -> client.removeContainerCmd(id).withForce(true).withRemoveVolumes(true).exec());
        client.listNetworksCmd().exec().stream().filter(network -> network.getLabels() != null
                && PidLabel.dead(network.getLabels())).forEach(network -> client.removeNetworkCmd(network.getId())
                        .exec());
    }

    /** The pid label, and whether the process it names has ended. */
    private static final class PidLabel {

        static final String NAME = "dev.ephemera.test.pid";

        static boolean dead(Map<String, String> labels) {
            String pid = labels.get(NAME);
            return pid != null && pid.matches("\\d+") && ProcessHandle.of(Long.parseLong(pid)).isEmpty();
        }
    }
}

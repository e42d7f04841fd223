package dev.ephemera.k8s;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ephemera.support.BrokerHttp;
import dev.ephemera.support.ContainerEngine;
import dev.ephemera.support.LoopbackWait;
import dev.ephemera.support.Processes;
import dev.ephemera.support.RedisContainers;
import dev.ephemera.support.RedisTopologies;
import dev.ephemera.support.TestImages;
import dev.ephemera.support.TestRedis;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.VolumeMount;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.Network;

/**
 * The broker started as each overlay's Deployment starts it, twice. From the image, as a kubelet runs it
 * ({@link PodContainer}): the manifest's environment unchanged, its user, read-only root, capabilities, memory limit
 * and mounts, its ports; the Redis in containers named as the manifest names it (the demo's {@code redis}, the
 * production overlay's Sentinels), on a network of the test's. From the packaged jar, where no container engine runs
 * too: the same environment with three differences a test machine imposes: the mounts' paths, the Redis (the test's
 * standalone Redis for the demo, a Sentinel group for production) and the ports (free ones in place of 8080 and
 * 9090). Then the probes the manifest names must answer on the ports it names, and a mint must work.
 */
class KubernetesDeploymentIT {

    /** How the broker is started: the image as a kubelet would, or the jar as a process. */
    enum Start { IMAGE, JAR }

    static Stream<Arguments> starts() {
        return Manifests.OVERLAYS.stream().flatMap(overlay -> Arrays.stream(Start.values())
                .map(start -> Arguments.of(overlay, start)));
    }

    @ParameterizedTest(name = "{0} from the {1}")
    @MethodSource("starts")
    void theBrokerAnswersItsProbesAndMintsAsTheDeploymentStartsIt(String overlay, Start start) throws Exception {
        DeploymentPod pod = DeploymentPod.of(Manifests.render(overlay));
        try (Started broker = start == Start.IMAGE ? image(pod) : jar(pod)) {
            Probe readiness = pod.container().getReadinessProbe();
            int ready = broker.port(pod.port(readiness));
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (LoopbackWait.status(ready, readiness.getHttpGet().getPath()) != 200) {
                assertThat(broker.alive()).as("the broker runs; its log:\n%s", broker.log()).isTrue();
                assertThat(System.nanoTime()).as("ready within 60 s; its log:\n%s", broker.log()).isLessThan(deadline);
                Thread.sleep(200);
            }
            for (Probe probe : pod.probes()) {
                assertThat(LoopbackWait.status(broker.port(pod.port(probe)), probe.getHttpGet().getPath()))
                        .as(probe.getHttpGet().getPath()).isEqualTo(200);
            }
            BrokerHttp http = new BrokerHttp(broker.port(8080));
            HttpResponse<String> key = http.postJson("/v1/admin/keys", pod.adminKey(),
                    "{\"name\":\"k8s\",\"permissions\":[\"read\",\"write\"]}");
            assertThat(key.statusCode()).as(key.body()).isEqualTo(201);
            HttpResponse<String> minted = http.postJson("/v1/tokens", BrokerHttp.field(key, "key"),
                    "{\"provider\":\"openai\",\"format\":\"jwt\"}");
            assertThat(minted.statusCode()).as(minted.body()).isEqualTo(201);
            if (pod.environment().containsKey("ENDPOINTS_ALL_PORT")) {
                assertThat(LoopbackWait.status(broker.port(8080), "/health/readiness"))
                        .as("health only on the management port").isNotEqualTo(200);
            }
            assertThat(broker.log()).doesNotContain(pod.adminKey(), DeploymentPod.OPENAI_KEY);
        }
    }

    /** A broker started by the test: where a container port is published, whether it runs, what it wrote. */
    private interface Started extends AutoCloseable {

        int port(int containerPort);

        boolean alive();

        String log() throws Exception;
    }

    private static Started image(DeploymentPod pod) throws java.io.IOException {
        ContainerEngine.require();
        String image = TestImages.broker();
        Network network = ContainerEngine.network();
        Map<String, String> env = pod.environment();
        List<GenericContainer<?>> redis = redisAsNamed(env.get("REDIS_URI"), network);
        GenericContainer<?> broker = PodContainer.of(image, pod, env, network);
        broker.start();
        Optional<PodProcess> process = PodProcess.of(broker);
        if (process.isPresent()) {
            process.get().assertRunsAs(pod);
            List<String> writable = pod.container().getVolumeMounts().stream()
                    .filter(m -> !Boolean.TRUE.equals(m.getReadOnly())).map(VolumeMount::getMountPath).toList();
            assertThat(process.get().writableMounts()).as("writable: only what the manifest mounts so")
                    .containsExactlyInAnyOrderElementsOf(writable);
        } else {
            assertThat(broker.getContainerInfo().getHostConfig().getReadonlyRootfs()).isTrue();
        }
        return new Started() {
            public int port(int containerPort) {
                return broker.getMappedPort(containerPort);
            }

            public boolean alive() {
                return broker.isRunning();
            }

            public String log() {
                return broker.getLogs();
            }

            public void close() {
                broker.stop();
                redis.forEach(GenericContainer::stop);
                network.close();
            }
        };
    }

    /** The Redis that {@code uri} names, in containers of those names on {@code network}; the containers. */
    private static List<GenericContainer<?>> redisAsNamed(String uri, Network network) {
        if (uri.startsWith("redis://")) {
            URI standalone = URI.create(uri);
            assertThat(standalone.getPort()).as("the stand-in's port").isEqualTo(6379);
            return List.of(RedisContainers.node(network, standalone.getHost()).container());
        }
        assertThat(uri).startsWith("redis-sentinel://");
        int hostsFrom = "redis-sentinel://".length();
        List<URI> sentinels = Arrays.stream(uri.substring(hostsFrom, uri.indexOf('/', hostsFrom)).split(","))
                .map(address -> URI.create("redis://" + address)).toList();
        RedisContainers.Sentinel group = RedisContainers.sentinel(network, uri.substring(uri.indexOf('#') + 1),
                sentinels.stream().map(URI::getHost).toList(), sentinels.get(0).getPort());
        return Stream.concat(Stream.of(group.master(), group.replica()), group.sentinels().stream())
                .<GenericContainer<?>>map(RedisContainers.Node::container).toList();
    }

    private static Started jar(DeploymentPod pod) throws Exception {
        Map<String, String> env = new HashMap<>(pod.environment());
        for (Map.Entry<String, Path> volume : pod.volumeFiles().entrySet()) {
            String at = pod.mountPath(volume.getKey()) + "/";
            env.replaceAll((name, value) -> value.replace(at, volume.getValue() + "/"));
        }
        env.put("REDIS_URI", env.get("REDIS_URI").startsWith("redis-sentinel:")
                ? RedisTopologies.sharedSentinel().uri() : TestRedis.uri());
        Map<Integer, Integer> ports = new HashMap<>();
        ports.put(8080, TestRedis.freePort());
        env.put("MICRONAUT_SERVER_PORT", Integer.toString(ports.get(8080)));
        if (env.containsKey("ENDPOINTS_ALL_PORT")) {
            int management = Integer.parseInt(env.get("ENDPOINTS_ALL_PORT"));
            ports.put(management, TestRedis.freePort());
            env.put("ENDPOINTS_ALL_PORT", Integer.toString(ports.get(management)));
        }
        ProcessBuilder builder = Processes.builder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar", TestImages.jar().toString());
        builder.environment().clear();
        builder.environment().putAll(env);
        Path log = Files.createTempFile("ephemera-k8s", ".log");
        builder.redirectErrorStream(true).redirectOutput(log.toFile());
        Process broker = builder.start();
        return new Started() {
            public int port(int containerPort) {
                assertThat(ports).as("a listener on container port %d", containerPort).containsKey(containerPort);
                return ports.get(containerPort);
            }

            public boolean alive() {
                return broker.isAlive();
            }

            public String log() throws Exception {
                return Files.readString(log);
            }

            public void close() throws InterruptedException {
                broker.destroy();
                broker.waitFor();
            }
        };
    }
}

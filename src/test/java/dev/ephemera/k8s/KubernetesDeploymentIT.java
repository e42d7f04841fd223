package dev.ephemera.k8s;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ephemera.support.Processes;
import dev.ephemera.support.RedisTopologies;
import dev.ephemera.support.TestRedis;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvFromSource;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The packaged jar, started as each overlay's Deployment starts it: only the environment the manifest gives the
 * container (its ConfigMap, the admin key from the Secret), the Secret's files and each mounted ConfigMap's files
 * (the price table) in temporary directories standing for the mounts, no arguments (the image's entry point is
 * {@code java -jar}). Three things differ, and only because a test machine is not a cluster: the mounts' paths,
 * the Redis (the test's standalone Redis for the demo, a Sentinel group for production, in place of the manifests'
 * service names) and the ports (free ones in place of 8080 and 9090, mapped by name). Then the probes the manifest
 * names must answer on the ports it names, and a mint must work.
 */
class KubernetesDeploymentIT {

    private static final HttpClient HTTP = HttpClient.newHttpClient();

    static List<String> overlays() {
        return Manifests.OVERLAYS;
    }

    @ParameterizedTest
    @MethodSource("overlays")
    void theJarAnswersItsProbesAndMintsAsTheDeploymentStartsIt(String overlay) throws Exception {
        Manifests manifests = Manifests.render(overlay);
        Container container = manifests.get(Deployment.class, "ephemera").getSpec().getTemplate().getSpec()
                .getContainers().get(0);
        List<Volume> volumes = manifests.get(Deployment.class, "ephemera").getSpec().getTemplate().getSpec()
                .getVolumes();
        Path mount = Files.createTempDirectory("ephemera-secrets");
        String secretsAt = secretMount(container, volumes);
        String adminKey = "k8s-admin-" + Base64.getUrlEncoder().encodeToString(new byte[32]).replace('A', 'x');
        Files.writeString(mount.resolve("signing.pem"), pkcs8EcKey());
        Files.writeString(mount.resolve("openai-api-key"), "sk-test-k8s-openai-fake-key");

        Map<String, String> env = new HashMap<>();
        for (EnvFromSource from : container.getEnvFrom()) {
            env.putAll(manifests.get(ConfigMap.class, from.getConfigMapRef().getName()).getData());
        }
        for (EnvVar var : container.getEnv()) {
            assertThat(var.getValueFrom().getSecretKeyRef().getKey()).isEqualTo("admin-key");
            env.put(var.getName(), adminKey);
        }
        env.replaceAll((name, value) -> value.replace(secretsAt + "/", mount + "/"));
        for (Volume volume : volumes) {
            if (volume.getConfigMap() != null) {
                Path files = Files.createTempDirectory("ephemera-config");
                for (Map.Entry<String, String> file : manifests.get(ConfigMap.class,
                        volume.getConfigMap().getName()).getData().entrySet()) {
                    Files.writeString(files.resolve(file.getKey()), file.getValue());
                }
                String at = mountPath(container, volume.getName());
                env.replaceAll((name, value) -> value.replace(at + "/", files + "/"));
            }
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
                "-jar", jar().toString());
        builder.environment().clear();
        builder.environment().putAll(env);
        Path log = Files.createTempFile("ephemera-k8s", ".log");
        builder.redirectErrorStream(true).redirectOutput(log.toFile());
        Process broker = builder.start();
        try {
            int readiness = port(container, container.getReadinessProbe(), ports);
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (status(readiness, container.getReadinessProbe().getHttpGet().getPath()) != 200) {
                assertThat(broker.isAlive()).as("the broker runs; its log:\n%s", Files.readString(log)).isTrue();
                assertThat(System.nanoTime()).as("ready within 60 s").isLessThan(deadline);
                Thread.sleep(200);
            }
            for (Probe probe : List.of(container.getLivenessProbe(), container.getStartupProbe())) {
                assertThat(status(port(container, probe, ports), probe.getHttpGet().getPath())).isEqualTo(200);
            }
            int http = ports.get(8080);
            HttpResponse<String> key = post(http, "/v1/admin/keys", adminKey,
                    "{\"name\":\"k8s\",\"permissions\":[\"read\",\"write\"]}");
            assertThat(key.statusCode()).as(key.body()).isEqualTo(201);
            String secret = key.body().replaceAll(".*\"key\":\"([^\"]+)\".*", "$1");
            HttpResponse<String> minted = post(http, "/v1/tokens", secret,
                    "{\"provider\":\"openai\",\"format\":\"jwt\"}");
            assertThat(minted.statusCode()).as(minted.body()).isEqualTo(201);
            if (env.containsKey("ENDPOINTS_ALL_PORT")) {
                assertThat(status(http, "/health/readiness")).as("health only on the management port")
                        .isNotEqualTo(200);
            }
            assertThat(Files.readString(log)).doesNotContain(adminKey, "sk-test-k8s-openai-fake-key");
        } finally {
            broker.destroy();
            broker.waitFor();
        }
    }

    private static String secretMount(Container container, List<Volume> volumes) {
        return mountPath(container, volumes.stream().filter(v -> v.getSecret() != null).map(Volume::getName)
                .findFirst().orElseThrow());
    }

    private static String mountPath(Container container, String volume) {
        return container.getVolumeMounts().stream().filter(m -> m.getName().equals(volume))
                .map(VolumeMount::getMountPath).findFirst().orElseThrow();
    }

    /** The free port standing for the container port that {@code probe} names. */
    private static int port(Container container, Probe probe, Map<Integer, Integer> ports) {
        String name = probe.getHttpGet().getPort().getStrVal();
        int containerPort = container.getPorts().stream().filter(p -> name.equals(p.getName())).findFirst()
                .orElseThrow().getContainerPort();
        assertThat(ports).as("a listener on container port %d", containerPort).containsKey(containerPort);
        return ports.get(containerPort);
    }

    private static int status(int port, String path) {
        try {
            return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                    .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (Exception e) {
            return -1;
        }
    }

    private static HttpResponse<String> post(int port, String path, String bearer, String json) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .header("Authorization", "Bearer " + bearer).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static Path jar() throws Exception {
        try (Stream<Path> files = Files.list(Path.of("target"))) {
            return files.filter(p -> p.getFileName().toString().matches("ephemera-.*\\.jar"))
                    .filter(p -> !p.getFileName().toString().contains("original")).findFirst()
                    .orElseThrow(() -> new AssertionError("no jar under target/: run ./mvnw verify"));
        }
    }

    private static String pkcs8EcKey() throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec("secp256r1"));
        return "-----BEGIN PRIVATE KEY-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(generator.generateKeyPair().getPrivate()
                        .getEncoded()) + "\n-----END PRIVATE KEY-----\n";
    }
}

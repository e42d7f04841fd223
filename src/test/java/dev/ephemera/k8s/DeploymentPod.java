package dev.ephemera.k8s;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvFromSource;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.spec.ECGenParameterSpec;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What the Deployment {@code ephemera} of rendered manifests gives the broker's container: its environment (the
 * ConfigMaps it names, the admin key from the Secret) and the files of its volumes, written to temporary directories
 * that stand for them: the Secret's (a signing key, an OpenAI key: the manifests ship only a template) and each
 * ConfigMap's. {@link PodContainer} runs the image as a kubelet would; the jar runs with the same environment.
 */
public final class DeploymentPod {

    /** The provider key in the Secret's {@code openai-api-key}: fake, and never to appear in a log. */
    public static final String OPENAI_KEY = "sk-test-k8s-openai-fake-key";

    private final Manifests manifests;
    private final PodSpec pod;
    private final String adminKey;
    private final Map<String, Path> volumes = new LinkedHashMap<>();

    private DeploymentPod(Manifests manifests) {
        this.manifests = manifests;
        this.pod = manifests.get(Deployment.class, "ephemera").getSpec().getTemplate().getSpec();
        byte[] random = new byte[32];
        new SecureRandom().nextBytes(random);
        this.adminKey = "k8s-admin-" + Base64.getUrlEncoder().withoutPadding().encodeToString(random);
    }

    /** The pod of {@code manifests}, its volumes' files written. */
    public static DeploymentPod of(Manifests manifests) throws IOException, GeneralSecurityException {
        DeploymentPod pod = new DeploymentPod(manifests);
        for (Volume volume : pod.pod.getVolumes()) {
            if (volume.getSecret() != null) {
                pod.volumes.put(volume.getName(), pod.files(Map.of("signing.pem", pkcs8EcKey(), "openai-api-key",
                        OPENAI_KEY)));
            } else if (volume.getConfigMap() != null) {
                pod.volumes.put(volume.getName(), pod.files(manifests.get(ConfigMap.class,
                        volume.getConfigMap().getName()).getData()));
            }
        }
        return pod;
    }

    public PodSpec spec() {
        return pod;
    }

    /** The broker's container (the pod's first). */
    public Container container() {
        return pod.getContainers().get(0);
    }

    /** The admin key this pod's Secret holds (made for the test, a secret like any other). */
    public String adminKey() {
        return adminKey;
    }

    /** The environment as the manifest gives it: the ConfigMaps' data, then the admin key from the Secret. */
    public Map<String, String> environment() {
        Map<String, String> env = new HashMap<>();
        for (EnvFromSource from : container().getEnvFrom()) {
            env.putAll(manifests.get(ConfigMap.class, from.getConfigMapRef().getName()).getData());
        }
        for (EnvVar var : container().getEnv()) {
            if (!"admin-key".equals(var.getValueFrom().getSecretKeyRef().getKey())) {
                throw new AssertionError("a variable from a Secret this test does not know: " + var.getName());
            }
            env.put(var.getName(), adminKey);
        }
        return env;
    }

    /** The directories holding the Secret's and the ConfigMaps' files, by volume name. */
    public Map<String, Path> volumeFiles() {
        return Map.copyOf(volumes);
    }

    /** Where the container mounts {@code volume}. */
    public String mountPath(String volume) {
        return container().getVolumeMounts().stream().filter(m -> m.getName().equals(volume))
                .map(VolumeMount::getMountPath).findFirst().orElseThrow();
    }

    /** The container port that {@code probe} names. */
    public int port(Probe probe) {
        String name = probe.getHttpGet().getPort().getStrVal();
        return container().getPorts().stream().filter(p -> name.equals(p.getName())).findFirst().orElseThrow()
                .getContainerPort();
    }

    /** The three probes: startup, liveness, readiness. */
    public List<Probe> probes() {
        return List.of(container().getStartupProbe(), container().getLivenessProbe(), container().getReadinessProbe());
    }

    /**
     * A directory of {@code files} as a kubelet mounts a volume for this pod's user: the directory readable by all,
     * each file readable by the owner and by the pod's fsGroup (a Secret's {@code defaultMode: 0400} is widened so by
     * the kubelet), world-readable instead where this JVM cannot give a file that group.
     */
    private Path files(Map<String, String> files) throws IOException {
        Path directory = Files.createTempDirectory("ephemera-volume");
        Files.setPosixFilePermissions(directory, PosixFilePermissions.fromString("rwxr-xr-x"));
        for (Map.Entry<String, String> file : files.entrySet()) {
            Path path = directory.resolve(file.getKey());
            Files.writeString(path, file.getValue());
            try {
                Files.setAttribute(path, "unix:gid", pod.getSecurityContext().getFsGroup().intValue());
                Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("r--r-----"));
            } catch (IOException | UnsupportedOperationException e) {
                Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("r--r--r--"));
            }
        }
        return directory;
    }

    private static String pkcs8EcKey() throws GeneralSecurityException {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec("secp256r1"));
        return "-----BEGIN PRIVATE KEY-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(generator.generateKeyPair().getPrivate()
                        .getEncoded()) + "\n-----END PRIVATE KEY-----\n";
    }
}

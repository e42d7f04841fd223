package dev.ephemera.k8s;

import com.github.dockerjava.api.model.AccessMode;
import com.github.dockerjava.api.model.Bind;
import com.github.dockerjava.api.model.Capability;
import com.github.dockerjava.api.model.HostConfig;
import com.github.dockerjava.api.model.Volume;
import dev.ephemera.support.ContainerEngine;
import dev.ephemera.support.LoopbackWait;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.PodSecurityContext;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.VolumeMount;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.Network;

/**
 * The broker's image run by the container engine as a kubelet runs the Deployment's container, every setting read
 * from the manifest: the user and group (and the fsGroup as a supplementary group), the read-only root, the dropped
 * capabilities, no privilege escalation, the memory limit (swap included), each {@code emptyDir} as a tmpfs of its
 * size limit, each Secret and ConfigMap volume as a bind of the directory {@link DeploymentPod} wrote, read-only
 * where the mount is, and nothing else writable ({@link PodProcess} checks it). Its ports are published on
 * 127.0.0.1; it has started once its startup probe passes within the probe's own budget (period × failure
 * threshold), after which a kubelet would have restarted it.
 */
public final class PodContainer {

    private PodContainer() {
    }

    /** The pod's container of {@code image} with {@code env}, on {@code network}; not started. */
    public static GenericContainer<?> of(String image, DeploymentPod pod, Map<String, String> env, Network network) {
        Container container = pod.container();
        int[] ports = container.getPorts().stream().mapToInt(ContainerPort::getContainerPort).toArray();
        GenericContainer<?> broker = ContainerEngine.track(new GenericContainer<>(image))
                .withNetwork(network)
                .withEnv(env)
                .withExposedPorts(java.util.Arrays.stream(ports).boxed().toArray(Integer[]::new))
                .withCreateContainerCmdModifier(ContainerEngine.loopbackOnly(ports));
        Map<String, String> tmpfs = new HashMap<>();
        // Binds set on the engine's request itself: Testcontainers' withFileSystemBind, when it finds itself in a
        // container (/.dockerenv), first checks with a container of alpine, which is not here to pull.
        List<Bind> binds = new ArrayList<>();
        for (VolumeMount mount : container.getVolumeMounts()) {
            io.fabric8.kubernetes.api.model.Volume volume = pod.spec().getVolumes().stream()
                    .filter(v -> v.getName().equals(mount.getName())).findFirst().orElseThrow();
            if (volume.getEmptyDir() != null) {
                Quantity size = volume.getEmptyDir().getSizeLimit();
                tmpfs.put(mount.getMountPath(), "rw,mode=1777"
                        + (size == null ? "" : ",size=" + Quantity.getAmountInBytes(size).longValue()));
            } else {
                binds.add(new Bind(pod.volumeFiles().get(volume.getName()).toString(), new Volume(mount.getMountPath()),
                        Boolean.TRUE.equals(mount.getReadOnly()) ? AccessMode.ro : AccessMode.rw));
            }
        }
        if (Boolean.TRUE.equals(container.getSecurityContext().getReadOnlyRootFilesystem())) {
            // podman gives a read-only container writable tmpfs at /run and /var/tmp (its --read-only-tmpfs, which
            // its Docker API cannot turn off); a kubelet does not. Read-only ones there keep the root as a pod's.
            for (String scratch : List.of("/run", "/var/tmp")) {
                tmpfs.putIfAbsent(scratch, "ro");
            }
        }
        broker.withTmpFs(tmpfs).withCreateContainerCmdModifier(cmd -> {
            cmd.withUser(user(pod));
            cmd.getHostConfig().withBinds(binds);
            security(cmd.getHostConfig(), pod);
        });
        Probe startup = container.getStartupProbe();
        return broker.waitingFor(LoopbackWait.http200(pod.port(startup), startup.getHttpGet().getPath())
                .withStartupTimeout(Duration.ofSeconds((long) startup.getPeriodSeconds()
                        * startup.getFailureThreshold())));
    }

    /** {@code uid:gid}: the container's runAsUser and runAsGroup, else the pod's. */
    private static String user(DeploymentPod pod) {
        SecurityContext container = pod.container().getSecurityContext();
        PodSecurityContext shared = pod.spec().getSecurityContext();
        Long uid = container.getRunAsUser() != null ? container.getRunAsUser() : shared.getRunAsUser();
        Long gid = container.getRunAsGroup() != null ? container.getRunAsGroup() : shared.getRunAsGroup();
        return uid + ":" + gid;
    }

    private static void security(HostConfig host, DeploymentPod pod) {
        SecurityContext security = pod.container().getSecurityContext();
        Long fsGroup = pod.spec().getSecurityContext().getFsGroup();
        if (fsGroup != null) {
            host.withGroupAdd(List.of(fsGroup.toString()));
        }
        host.withReadonlyRootfs(Boolean.TRUE.equals(security.getReadOnlyRootFilesystem()))
                .withPrivileged(Boolean.TRUE.equals(security.getPrivileged()));
        if (security.getCapabilities() != null) {
            host.withCapDrop(security.getCapabilities().getDrop().stream().map(Capability::valueOf)
                    .toArray(Capability[]::new));
        }
        List<String> options = new ArrayList<>();
        if (Boolean.FALSE.equals(security.getAllowPrivilegeEscalation())) {
            options.add("no-new-privileges");
        }
        host.withSecurityOpts(options);
        Quantity memory = pod.container().getResources().getLimits().get("memory");
        if (memory != null) {
            long bytes = Quantity.getAmountInBytes(memory).longValue();
            host.withMemory(bytes).withMemorySwap(bytes);
        }
    }
}

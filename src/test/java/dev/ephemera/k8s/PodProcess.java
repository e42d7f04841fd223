package dev.ephemera.k8s;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.PodSecurityContext;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.testcontainers.containers.GenericContainer;

/**
 * The broker's process in its container as the kernel sees it ({@code /proc/<pid>} of this machine: the engine runs
 * here), checked against what the Deployment asks: its user, group and fsGroup, no capability, no privilege
 * escalation, a read-only root, each emptyDir a tmpfs of its size limit and nothing else writable but what the
 * manifest mounts so, and the memory limit the engine was given. Not what the test asked the engine for, but what the
 * engine did.
 */
final class PodProcess {

    private static final List<String> ENGINE_FILES = List.of("/etc/hosts", "/etc/hostname", "/etc/resolv.conf");

    private final List<String> status;
    private final List<String> mounts;

    private PodProcess(List<String> status, List<String> mounts) {
        this.status = status;
        this.mounts = mounts;
    }

    /** The process of {@code container}, or empty where its /proc is not this machine's (an engine in a VM). */
    static Optional<PodProcess> of(GenericContainer<?> container) throws IOException {
        Path proc = Path.of("/proc", Long.toString(container.getContainerInfo().getState().getPidLong()));
        if (!Files.isReadable(proc.resolve("mountinfo"))) {
            return Optional.empty();
        }
        return Optional.of(new PodProcess(Files.readAllLines(proc.resolve("status")),
                Files.readAllLines(proc.resolve("mountinfo"))));
    }

    void assertRunsAs(DeploymentPod pod) {
        SecurityContext security = pod.container().getSecurityContext();
        PodSecurityContext shared = pod.spec().getSecurityContext();
        Long uid = security.getRunAsUser() != null ? security.getRunAsUser() : shared.getRunAsUser();
        Long gid = security.getRunAsGroup() != null ? security.getRunAsGroup() : shared.getRunAsGroup();
        assertThat(field("Uid").split("\\s+")).as("real, effective, saved, fs uid").containsOnly(uid.toString());
        assertThat(field("Gid").split("\\s+")).as("real, effective, saved, fs gid").containsOnly(gid.toString());
        assertThat(field("Groups").split("\\s+")).as("supplementary groups: the fsGroup")
                .contains(shared.getFsGroup().toString());
        if (security.getCapabilities().getDrop().contains("ALL")) {
            assertThat(field("CapEff")).as("effective capabilities").matches("0+");
            assertThat(field("CapPrm")).as("permitted capabilities").matches("0+");
        }
        if (Boolean.FALSE.equals(security.getAllowPrivilegeEscalation())) {
            assertThat(field("NoNewPrivs")).isEqualTo("1");
        }
        if (Boolean.TRUE.equals(security.getReadOnlyRootFilesystem())) {
            assertThat(options("/")).as("the root's mount options").startsWith("ro,");
        }
        for (VolumeMount mount : pod.container().getVolumeMounts()) {
            Volume volume = pod.spec().getVolumes().stream().filter(v -> v.getName().equals(mount.getName()))
                    .findFirst().orElseThrow();
            String line = mount(mount.getMountPath());
            if (volume.getEmptyDir() != null) {
                assertThat(line).as(mount.getMountPath()).contains(" - tmpfs ");
                Quantity size = volume.getEmptyDir().getSizeLimit();
                if (size != null) {
                    assertThat(line).contains("size=" + Quantity.getAmountInBytes(size).longValue() / 1024 + "k");
                }
            } else {
                assertThat(options(mount.getMountPath())).as(mount.getMountPath())
                        .startsWith(Boolean.TRUE.equals(mount.getReadOnly()) ? "ro," : "rw,");
            }
        }
    }

    /**
     * Every writable mount point of the process but the kernel's ({@code /proc}, {@code /dev}, {@code /sys}) and the
     * files that an engine, like a kubelet, writes for every container (host name, hosts, resolver).
     */
    List<String> writableMounts() {
        return mounts.stream().map(line -> line.split(" ")).filter(f -> f[5].startsWith("rw")).map(f -> f[4])
                .filter(at -> !ENGINE_FILES.contains(at) && Stream.of("/proc", "/dev", "/sys").noneMatch(kernel ->
                        at.equals(kernel) || at.startsWith(kernel + "/"))).toList();
    }

    private String field(String name) {
        return status.stream().filter(line -> line.startsWith(name + ":")).findFirst()
                .orElseThrow(() -> new AssertionError("no " + name + " in /proc/<pid>/status")).substring(name.length()
                        + 1).trim();
    }

    private String mount(String at) {
        return mounts.stream().filter(line -> line.split(" ")[4].equals(at)).reduce((first, last) -> last)
                .orElseThrow(() -> new AssertionError("nothing is mounted at " + at + ": " + mounts));
    }

    private String options(String at) {
        return mount(at).split(" ")[5];
    }
}

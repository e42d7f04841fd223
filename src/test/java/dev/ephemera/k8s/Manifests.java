package dev.ephemera.k8s;

import dev.ephemera.support.ExternalTools;
import dev.ephemera.support.Processes;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** The manifests of an overlay of {@code k8s/} as {@code kubectl kustomize} renders them, as fabric8's typed model. */
public record Manifests(String overlay, List<HasMetadata> resources) {

    public static final List<String> OVERLAYS = List.of("demo", "production");
    /** Production with the monitoring Component (alerts and a dashboard), for clusters with the Prometheus Operator. */
    public static final String MONITORING = "monitoring";

    /** Renders {@code k8s/overlays/<overlay>} with the local kubectl (CI installs it; elsewhere a skip says so). */
    public static Manifests render(String overlay) {
        return render(overlay, Path.of("k8s", "overlays", overlay));
    }

    /** Renders {@code k8s/base}, what every overlay starts from. */
    public static Manifests base() {
        return render("base", Path.of("k8s", "base"));
    }

    private static Manifests render(String overlay, Path directory) {
        Path kubectl = ExternalTools.require("kubectl.path", "kubectl 1.27 or later (it renders kustomize overlays "
                + "offline)", "kubectl");
        String yaml = run(List.of(kubectl.toString(), "kustomize", directory.toString()));
        KubernetesSerialization serialization = new KubernetesSerialization();
        List<HasMetadata> resources = new ArrayList<>();
        for (String document : yaml.split("(?m)^---$")) {
            if (!document.isBlank()) {
                resources.add(serialization.unmarshal(document, HasMetadata.class));
            }
        }
        return new Manifests(overlay, List.copyOf(resources));
    }

    /** The one resource of {@code type} named {@code name}. */
    public <T extends HasMetadata> T get(Class<T> type, String name) {
        return find(type, name).orElseThrow(() -> new AssertionError(overlay + " has no " + type.getSimpleName()
                + " " + name));
    }

    public <T extends HasMetadata> Optional<T> find(Class<T> type, String name) {
        return resources.stream().filter(type::isInstance).map(type::cast)
                .filter(r -> name.equals(r.getMetadata().getName())).findFirst();
    }

    public <T extends HasMetadata> List<T> all(Class<T> type) {
        return resources.stream().filter(type::isInstance).map(type::cast).toList();
    }

    private static String run(List<String> command) {
        Processes.Result result = Processes.run(command, Duration.ofSeconds(60));
        if (result.exitCode() != 0) {
            throw new AssertionError(command + " failed: " + result.err());
        }
        return result.out();
    }
}

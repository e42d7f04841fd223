package dev.ephemera.k8s;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyIngressRule;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPort;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every overlay of {@code k8s/}, rendered by {@code kubectl kustomize} and loaded through fabric8's typed model: no
 * field the model does not know (a misspelt {@code readinesProbe} would be silently ignored by a cluster), and the
 * rules a platform team checks before applying it (issue 18).
 */
class KubernetesManifestsTest {

    /** preStop (5 s) + the relay's drain period (20 s) + the server's graceful shutdown (20 s). */
    private static final Duration SHUTDOWN_NEEDS = Duration.ofSeconds(45);

    /** Every overlay, and the production one with the monitoring Component (k8s/monitoring). */
    static List<String> overlays() {
        return Stream.concat(Manifests.OVERLAYS.stream(), Stream.of(Manifests.MONITORING)).toList();
    }

    /**
     * Every resource is one of the typed model's kinds, but the Prometheus Operator's rule, which the model does not
     * know and which {@link #thePrometheusRuleHoldsTheRuleFileWordForWord} checks whole instead.
     */
    @ParameterizedTest
    @MethodSource("overlays")
    void everyFieldIsOneTheTypedModelKnows(String overlay) {
        Manifests manifests = Manifests.render(overlay);
        assertThat(manifests.resources()).isNotEmpty().noneMatch(r -> r instanceof GenericKubernetesResource
                && !Monitoring.isPrometheusRule(r));
        List<String> unknown = new ArrayList<>();
        for (HasMetadata resource : manifests.resources()) {
            if (!Monitoring.isPrometheusRule(resource)) {
                unknownFields(resource, resource.getKind() + "/" + resource.getMetadata().getName(), unknown);
            }
        }
        assertThat(unknown).as("fields the Kubernetes model does not know").isEmpty();
    }

    /** The Operator's CRD may be missing from a cluster: only the overlay that asks for it has the rule. */
    @ParameterizedTest
    @MethodSource("overlays")
    void onlyTheMonitoringOverlayNeedsThePrometheusOperator(String overlay) {
        assertThat(Manifests.render(overlay).resources().stream().anyMatch(Monitoring::isPrometheusRule))
                .isEqualTo(overlay.equals(Manifests.MONITORING));
    }

    /** k8s/monitoring/prometheusrule.yaml holds the groups of the plain rule file, rule for rule: no drift. */
    @Test
    void thePrometheusRuleHoldsTheRuleFileWordForWord() {
        Manifests manifests = Manifests.render(Manifests.MONITORING);
        List<GenericKubernetesResource> rules = manifests.resources().stream().filter(Monitoring::isPrometheusRule)
                .map(GenericKubernetesResource.class::cast).toList();
        assertThat(rules).hasSize(1);
        GenericKubernetesResource rule = rules.get(0);
        assertThat(rule.getMetadata().getNamespace()).isEqualTo("ephemera");
        assertThat(rule.getAdditionalProperties()).containsOnlyKeys("spec");
        @SuppressWarnings("unchecked")
        Map<String, Object> spec = (Map<String, Object>) rule.getAdditionalProperties().get("spec");
        assertThat(spec).containsOnlyKeys("groups");
        assertThat(spec.get("groups")).isEqualTo(Monitoring.rules().get("groups"));
    }

    /** The dashboard as Grafana's sidecar loads it: the file, whole, in a ConfigMap it looks for. */
    @Test
    void theDashboardConfigMapHoldsTheDashboardFile() throws Exception {
        ConfigMap dashboard = Manifests.render(Manifests.MONITORING).get(ConfigMap.class,
                "ephemera-grafana-dashboard");
        assertThat(dashboard.getMetadata().getLabels()).containsEntry("grafana_dashboard", "1");
        assertThat(dashboard.getData()).containsOnlyKeys("grafana-dashboard.json");
        assertThat(dashboard.getData().get("grafana-dashboard.json")).isEqualTo(Files.readString(Monitoring.DASHBOARD));
    }

    @ParameterizedTest
    @MethodSource("overlays")
    void theBrokerRunsLockedDownAndDrains(String overlay) {
        Manifests manifests = Manifests.render(overlay);
        Deployment deployment = manifests.get(Deployment.class, "ephemera");
        assertThat(deployment.getSpec().getReplicas()).isGreaterThanOrEqualTo(2);
        PodSpec pod = deployment.getSpec().getTemplate().getSpec();
        assertThat(pod.getAutomountServiceAccountToken()).isFalse();
        assertThat(pod.getSecurityContext().getRunAsNonRoot()).isTrue();
        assertThat(pod.getSecurityContext().getRunAsUser()).isEqualTo(10001L);
        assertThat(pod.getSecurityContext().getSeccompProfile().getType()).isEqualTo("RuntimeDefault");
        assertThat(pod.getTerminationGracePeriodSeconds()).isGreaterThanOrEqualTo(SHUTDOWN_NEEDS.toSeconds());
        assertThat(pod.getTopologySpreadConstraints())
                .anyMatch(t -> "kubernetes.io/hostname".equals(t.getTopologyKey()));
        ServiceAccount account = manifests.get(ServiceAccount.class, pod.getServiceAccountName());
        assertThat(account.getAutomountServiceAccountToken()).isFalse();

        Container broker = pod.getContainers().get(0);
        assertThat(broker.getSecurityContext().getReadOnlyRootFilesystem()).isTrue();
        assertThat(broker.getSecurityContext().getAllowPrivilegeEscalation()).isFalse();
        assertThat(broker.getSecurityContext().getCapabilities().getDrop()).containsExactly("ALL");
        assertThat(broker.getResources().getRequests()).containsKeys("cpu", "memory");
        assertThat(broker.getResources().getLimits()).containsKey("memory");
        assertThat(broker.getLifecycle().getPreStop().getSleep().getSeconds()).isEqualTo(5L);
        assertThat(broker.getVolumeMounts()).anyMatch(m -> "/tmp".equals(m.getMountPath()));
        assertProbe(broker, broker.getLivenessProbe(), "/health/liveness");
        assertProbe(broker, broker.getReadinessProbe(), "/health/readiness");
        assertProbe(broker, broker.getStartupProbe(), "/health/liveness");
        // No secret in the environment except the admin key, taken from the Secret; provider keys are files.
        assertThat(broker.getEnv()).allMatch(e -> e.getValue() == null && e.getValueFrom().getSecretKeyRef() != null);
        ConfigMap config = manifests.get(ConfigMap.class, "ephemera");
        assertThat(config.getData().keySet()).noneMatch(k -> k.endsWith("_API_KEY") || k.endsWith("ADMIN_KEY"));

        assertThat(manifests.get(Service.class, "ephemera").getSpec().getPorts()).hasSize(1)
                .allMatch(p -> "http".equals(p.getTargetPort().getStrVal()));
        assertThat(manifests.get(HorizontalPodAutoscaler.class, "ephemera").getSpec().getMinReplicas())
                .isGreaterThanOrEqualTo(2);
        assertThat(manifests.get(PodDisruptionBudget.class, "ephemera").getSpec().getMinAvailable().getIntVal())
                .isEqualTo(1);
    }

    /**
     * A replica's footprint is known at start and flat after (bench/soak): the heap is fixed and touched up front,
     * since a committed heap otherwise becomes resident page by page for hours and is never given back, and glibc
     * keeps two malloc arenas rather than up to eight a core.
     */
    @ParameterizedTest
    @MethodSource("overlays")
    void theMemoryAReplicaTakesIsTakenAtStart(String overlay) {
        Map<String, String> data = Manifests.render(overlay).get(ConfigMap.class, "ephemera").getData();
        List<String> options = List.of(data.getOrDefault("JAVA_TOOL_OPTIONS", "").split("\\s+"));
        String heap = options.stream().filter(o -> o.startsWith("-Xmx")).findFirst().orElseThrow().substring(4);
        assertThat(options).contains("-Xms" + heap, "-XX:+AlwaysPreTouch", "-XX:+UseParallelGC")
                .anyMatch(o -> o.startsWith("-XX:MaxDirectMemorySize="))
                .anyMatch(o -> o.startsWith("-XX:ReservedCodeCacheSize="));
        assertThat(data).containsEntry("MALLOC_ARENA_MAX", "2");
    }

    /** SPEC §11: the price table is a ConfigMap mounted whole (an edit reaches the broker), read-only. */
    @ParameterizedTest
    @MethodSource("overlays")
    void thePriceTableIsAConfigMapMountedReadOnlyWhereTheBrokerReadsIt(String overlay) {
        Manifests manifests = Manifests.render(overlay);
        String file = manifests.get(ConfigMap.class, "ephemera").getData().get("EPHEMERA_PRICING_FILE");
        PodSpec pod = manifests.get(Deployment.class, "ephemera").getSpec().getTemplate().getSpec();
        Volume prices = pod.getVolumes().stream().filter(v -> v.getConfigMap() != null).findFirst().orElseThrow();
        VolumeMount mount = pod.getContainers().get(0).getVolumeMounts().stream()
                .filter(m -> m.getName().equals(prices.getName())).findFirst().orElseThrow();
        assertThat(mount.getReadOnly()).isTrue();
        assertThat(mount.getSubPath()).as("a subPath mount would never see an update").isNull();
        assertThat(file).startsWith(mount.getMountPath() + "/");
        assertThat(manifests.get(ConfigMap.class, prices.getConfigMap().getName()).getData())
                .containsKey(file.substring(mount.getMountPath().length() + 1));
    }

    private static void assertProbe(Container container, Probe probe, String path) {
        assertThat(probe.getHttpGet().getPath()).isEqualTo(path);
        String port = probe.getHttpGet().getPort().getStrVal();
        assertThat(container.getPorts()).extracting(ContainerPort::getName).contains(port);
    }

    @ParameterizedTest
    @MethodSource("overlays")
    void theNetworkLetsInOnlyHttpAndMetricsFromMonitoringAndOutOnlyRedisDnsAndHttps(String overlay) {
        Manifests manifests = Manifests.render(overlay);
        NetworkPolicy policy = manifests.get(NetworkPolicy.class, "ephemera");
        assertThat(policy.getSpec().getPolicyTypes()).containsExactlyInAnyOrder("Ingress", "Egress");
        for (NetworkPolicyIngressRule rule : policy.getSpec().getIngress()) {
            List<Integer> ports = rule.getPorts().stream().map(p -> p.getPort().getIntVal()).toList();
            if (ports.equals(List.of(8080))) {
                continue;
            }
            assertThat(ports).as("only the management port besides HTTP").containsExactly(9090);
            assertThat(rule.getFrom()).singleElement().satisfies(peer -> assertThat(peer.getNamespaceSelector()
                    .getMatchLabels()).containsEntry("kubernetes.io/metadata.name", "monitoring"));
        }
        Set<Integer> egress = Set.of(6379, 26379, 53, 443);
        assertThat(policy.getSpec().getEgress()).allSatisfy(rule -> assertThat(rule.getPorts())
                .extracting(NetworkPolicyPort::getPort).allMatch(p -> egress.contains(p.getIntVal())));
    }

    /** Adds the path of every field the typed model kept as "additional" (did not know) under {@code path}. */
    private static void unknownFields(Object node, String path, List<String> unknown) {
        if (node == null || node instanceof String || node instanceof Number || node instanceof Boolean
                || node instanceof Enum<?>) {
            return;
        }
        if (node instanceof Collection<?> items) {
            int i = 0;
            for (Object item : items) {
                unknownFields(item, path + "[" + i++ + "]", unknown);
            }
            return;
        }
        if (node instanceof Map<?, ?> map) {
            map.forEach((k, v) -> unknownFields(v, path + "." + k, unknown));
            return;
        }
        if (!node.getClass().getName().startsWith("io.fabric8.")) {
            return;
        }
        for (Method getter : node.getClass().getMethods()) {
            if (getter.getParameterCount() != 0 || getter.getDeclaringClass() == Object.class
                    || !(getter.getName().startsWith("get") || getter.getName().startsWith("is"))) {
                continue;
            }
            try {
                Object value = getter.invoke(node);
                if ("getAdditionalProperties".equals(getter.getName())) {
                    ((Map<?, ?>) value).keySet().forEach(k -> unknown.add(path + "." + k));
                } else {
                    unknownFields(value, path + "." + getter.getName(), unknown);
                }
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException(e);
            }
        }
    }
}

package dev.ephemera.k8s;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.HasMetadata;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.yaml.snakeyaml.Yaml;

/**
 * {@code k8s/monitoring} as the tests read it: the rule file's groups, its alerts and recording rules, the promtool
 * unit tests, the dashboard's queries, and the metric names each reads, recording rules followed to the metrics
 * their rules read.
 */
final class Monitoring {

    static final Path DIRECTORY = Path.of("k8s", "monitoring");
    static final Path RULES = DIRECTORY.resolve("rules").resolve("ephemera-rules.yml");
    static final Path TESTS = DIRECTORY.resolve("tests");
    static final Path DASHBOARD = DIRECTORY.resolve("grafana-dashboard.json");

    private Monitoring() {
    }

    /** Whether {@code resource} is the Prometheus Operator's rule (a kind fabric8's model does not know). */
    static boolean isPrometheusRule(HasMetadata resource) {
        return "PrometheusRule".equals(resource.getKind())
                && "monitoring.coreos.com/v1".equals(resource.getApiVersion());
    }

    /** The rule file, as YAML reads it. */
    static Map<String, Object> rules() {
        return yaml(RULES);
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> yaml(Path file) {
        try {
            return new Yaml().load(Files.readString(file));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Every rule of every group, alerts and recording rules, in the file's order. */
    @SuppressWarnings("unchecked")
    static List<Map<String, Object>> allRules() {
        List<Map<String, Object>> all = new ArrayList<>();
        for (Map<String, Object> group : (List<Map<String, Object>>) rules().get("groups")) {
            all.addAll((List<Map<String, Object>>) group.get("rules"));
        }
        return all;
    }

    static List<Map<String, Object>> alerts() {
        return allRules().stream().filter(r -> r.containsKey("alert")).toList();
    }

    /** Each recording rule's name and expression. */
    static Map<String, String> recordings() {
        Map<String, String> recorded = new LinkedHashMap<>();
        allRules().stream().filter(r -> r.containsKey("record"))
                .forEach(r -> recorded.put((String) r.get("record"), (String) r.get("expr")));
        return recorded;
    }

    /** The promtool unit test files. */
    static List<Path> testFiles() {
        try (Stream<Path> files = Files.list(TESTS)) {
            return files.filter(f -> f.toString().endsWith(".yml")).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Every PromQL query of every dashboard panel. */
    static List<String> dashboardQueries() {
        try {
            JsonNode dashboard = new ObjectMapper().readTree(DASHBOARD.toFile());
            List<String> queries = new ArrayList<>();
            for (JsonNode panel : dashboard.path("panels")) {
                for (JsonNode target : panel.path("targets")) {
                    queries.add(target.path("expr").asText());
                }
            }
            return queries;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The metrics {@code expr} reads from the broker: its metric names, each recording rule's name replaced by the
     * metrics its rule reads (recording rules may read recording rules).
     */
    static Set<String> brokerMetrics(String expr) {
        Map<String, String> recorded = recordings();
        Set<String> metrics = new LinkedHashSet<>();
        List<String> pending = new ArrayList<>(PromQl.metricNames(expr));
        Set<String> seen = new LinkedHashSet<>();
        while (!pending.isEmpty()) {
            String name = pending.removeFirst();
            if (!seen.add(name)) {
                continue;
            }
            if (recorded.containsKey(name)) {
                pending.addAll(PromQl.metricNames(recorded.get(name)));
            } else {
                metrics.add(name);
            }
        }
        return metrics;
    }
}

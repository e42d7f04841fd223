package dev.ephemera.k8s;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ephemera.support.ExternalTools;
import dev.ephemera.support.Processes;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * {@code k8s/monitoring/rules/ephemera-rules.yml} through Prometheus's own tool: it loads ({@code promtool check
 * rules}), and its unit tests ({@code k8s/monitoring/tests}, {@code promtool test rules}) feed series and say which
 * alerts fire, for every alert at least once firing and once quiet. Then what a person paged needs: a severity, a
 * summary and a runbook that exists in the README. What promtool cannot see, a metric renamed in the broker, is
 * {@link PrometheusEvaluationTest}'s.
 */
class PrometheusRulesTest {

    /** Where the runbooks are: README.md's sections, one per alert (replace your-org with your copy's place). */
    static final String RUNBOOKS = "https://github.com/your-org/ephemera/blob/main/README.md#";

    static Path promtool() {
        return ExternalTools.require("ephemera.test.promtool", "apt-get install prometheus (promtool comes with it)",
                "promtool");
    }

    @Test
    void theRulesLoadInPrometheus() {
        Processes.Result result = Processes.run(List.of(promtool().toString(), "check", "rules",
                Monitoring.RULES.toString()), Duration.ofSeconds(60));
        assertThat(result.exitCode()).as(result.out() + result.err()).isZero();
        assertThat(result.out()).contains("SUCCESS: " + Monitoring.allRules().size() + " rules found");
    }

    @Test
    void theUnitTestsPass() {
        List<String> command = new ArrayList<>(List.of(promtool().toString(), "test", "rules"));
        Monitoring.testFiles().forEach(f -> command.add(f.toString()));
        Processes.Result result = Processes.run(command, Duration.ofSeconds(60));
        assertThat(result.exitCode()).as(result.out() + result.err()).isZero();
        assertThat(result.out().split("SUCCESS", -1)).hasSize(Monitoring.testFiles().size() + 1);
    }

    /** A test can only fail if it says what must fire and what must not: both, for every alert. */
    @Test
    @SuppressWarnings("unchecked")
    void everyAlertIsTestedFiringAndQuiet() {
        Set<String> fired = new HashSet<>();
        Set<String> quiet = new HashSet<>();
        for (Path file : Monitoring.testFiles()) {
            Map<String, Object> tests = Monitoring.yaml(file);
            assertThat((List<String>) tests.get("rule_files")).as(file.toString())
                    .containsExactly("../rules/ephemera-rules.yml");
            for (Map<String, Object> test : (List<Map<String, Object>>) tests.get("tests")) {
                for (Map<String, Object> check : (List<Map<String, Object>>) test.getOrDefault("alert_rule_test",
                        List.of())) {
                    List<?> expected = (List<?>) check.get("exp_alerts");
                    (expected == null || expected.isEmpty() ? quiet : fired).add((String) check.get("alertname"));
                }
            }
        }
        List<String> alerts = Monitoring.alerts().stream().map(a -> (String) a.get("alert")).toList();
        assertThat(fired).as("alerts a test expects to fire").containsExactlyInAnyOrderElementsOf(alerts);
        assertThat(quiet).as("alerts a test expects to stay quiet").containsExactlyInAnyOrderElementsOf(alerts);
    }

    @Test
    @SuppressWarnings("unchecked")
    void everyAlertHasASeverityASummaryAndARunbookInTheReadme() throws IOException {
        Set<String> anchors = readmeAnchors();
        for (Map<String, Object> alert : Monitoring.alerts()) {
            String name = (String) alert.get("alert");
            Map<String, String> labels = (Map<String, String>) alert.get("labels");
            Map<String, String> annotations = (Map<String, String>) alert.get("annotations");
            assertThat(name).startsWith("Ephemera");
            assertThat(labels.get("severity")).as(name).isIn("critical", "warning");
            assertThat(annotations).as(name).containsOnlyKeys("summary", "description", "runbook_url");
            assertThat(annotations.get("summary")).as(name).isNotBlank().doesNotContain("{{");
            assertThat(annotations.get("runbook_url")).as(name).isEqualTo(RUNBOOKS + name.toLowerCase(Locale.ROOT));
            assertThat(anchors).as("README.md's headings").contains(name.toLowerCase(Locale.ROOT));
        }
    }

    /** No dead rule: each recording rule is read by an alert, the dashboard or another recording rule. */
    @Test
    void everyRecordingRuleIsRead() {
        Set<String> read = new HashSet<>();
        Monitoring.allRules().forEach(r -> read.addAll(PromQl.metricNames((String) r.get("expr"))));
        Monitoring.dashboardQueries().forEach(q -> read.addAll(PromQl.metricNames(q)));
        assertThat(read).containsAll(Monitoring.recordings().keySet());
        // And the dashboard stands on them, not on the raw meters.
        assertThat(Monitoring.dashboardQueries()).isNotEmpty().allSatisfy(q -> assertThat(PromQl.metricNames(q))
                .as(q).isNotEmpty().allMatch(Monitoring.recordings()::containsKey));
    }

    /**
     * The anchors GitHub gives README.md's headings (not a code block's comments): lower case, punctuation dropped,
     * spaces as hyphens.
     */
    private static Set<String> readmeAnchors() throws IOException {
        Set<String> anchors = new HashSet<>();
        boolean code = false;
        for (String line : Files.readAllLines(Path.of("README.md"))) {
            if (line.startsWith("```")) {
                code = !code;
            } else if (!code && line.startsWith("#")) {
                anchors.add(line.replaceFirst("^#+\\s*", "").trim().toLowerCase(Locale.ROOT)
                        .replaceAll("[^\\p{L}\\p{N} _-]", "").replace(' ', '-'));
            }
        }
        return anchors;
    }
}

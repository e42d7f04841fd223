package dev.ephemera;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ephemera.support.Processes;
import dev.ephemera.support.TestEnvironment;
import io.micronaut.context.ApplicationContext;
import io.micronaut.context.env.Environment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * SPEC §9: whatever the developer has exported, a test context and a process a test starts see none of the
 * variables that configure a broker. Run in a JVM of its own ({@link Probe}) given those variables for real, as a
 * developer who runs a broker has them: environment variables cannot be set in this JVM.
 */
class DeveloperEnvironmentTest {

    /** What a developer who runs a broker has exported; each one maps to a property a broker reads. */
    private static final Map<String, String> EXPORTED = Map.of(
            "REDIS_URI", "redis://127.0.0.1:1",
            "EPHEMERA_ADMIN_KEY", "developer-admin-key-0123456789abcdefghijkl",
            "EPHEMERA_TOKENS_DEFAULT_TTL", "7s",
            "MICRONAUT_ENVIRONMENTS", "dev",
            "OPENAI_API_KEY", "sk-developer-real-key",
            "hf_token", "hf_developer_real_key");

    @Test
    void aTestContextAndATestStartedProcessSeeNoneOfTheDevelopersBrokerSettings() throws Exception {
        Path report = Files.createTempFile("ephemera-probe", ".txt");
        ProcessBuilder builder = Processes.builder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), Probe.class.getName(), report.toString())
                .redirectErrorStream(true);
        builder.environment().putAll(EXPORTED);
        builder.environment().put("PROBE_MARKER", "present");
        Process probe = builder.start();
        String output = new String(probe.getInputStream().readAllBytes());
        assertThat(probe.waitFor(60, TimeUnit.SECONDS)).as(output).isTrue();
        assertThat(probe.exitValue()).as(output).isZero();
        Map<String, String> seen = Files.readAllLines(report).stream().map(line -> line.split("=", 2))
                .collect(Collectors.toMap(kv -> kv[0], kv -> kv.length > 1 ? kv[1] : ""));

        // The probe's JVM had them: what follows is the test set-up hiding them, not their absence.
        assertThat(seen).as(output).containsEntry("jvm REDIS_URI", "redis://127.0.0.1:1")
                .containsEntry("jvm PROBE_MARKER", "present");
        assertThat(seen).as(output).containsEntry("property redis.uri", "")
                .containsEntry("property ephemera.admin-key", "")
                .doesNotContainEntry("property ephemera.tokens.default-ttl", "7s")
                .containsEntry("property openai.api.key", "")
                .containsEntry("property hf.token", "")
                .containsEntry("placeholder REDIS_URI", "")
                .containsEntry("placeholder OPENAI_API_KEY", "");
        assertThat(seen.get("environments")).as(output).doesNotContain("dev");
        assertThat(seen.get("child hidden")).as("hidden variables a process started by the probe sees")
                .isEmpty();
        assertThat(seen.get("child PROBE_MARKER")).as("the rest of the environment reaches it").isEqualTo("present");
    }

    @Test
    void hidesTheStoreTheBrokerMicronautAndProviderKeyVariablesOnly() {
        assertThat(List.of("REDIS_URI", "REDIS_URIS", "redis_uri", "EPHEMERA_ADMIN_KEY", "EPHEMERA_TEST_REDIS_URI",
                "MICRONAUT_ENVIRONMENTS", "MICRONAUT_CONFIG_FILES", "OPENAI_API_KEY", "GOOGLE_API_KEY", "HF_TOKEN",
                "HUGGINGFACE_API_KEY", "AZURE_OPENAI_API_KEY", "GOOGLE_APPLICATION_CREDENTIALS", "GOOGLE_CLOUD_PROJECT",
                "GOOGLE_CLOUD_LOCATION")).allMatch(TestEnvironment::hidden);
        assertThat(List.of("PATH", "HOME", "JAVA_HOME", "CI", "LANG", "OPENAI_BASE_URL", "XREDIS_URI"))
                .noneMatch(TestEnvironment::hidden);
    }

    /** Builds an application context as every test does and says what it sees; started by the test above. */
    public static final class Probe {

        private Probe() {
        }

        public static void main(String[] args) throws Exception {
            Map<String, String> seen = new LinkedHashMap<>();
            seen.put("jvm REDIS_URI", System.getenv().getOrDefault("REDIS_URI", ""));
            seen.put("jvm PROBE_MARKER", System.getenv().getOrDefault("PROBE_MARKER", ""));
            try (ApplicationContext context = ApplicationContext.builder().build()) {
                Environment environment = context.getEnvironment().start();
                seen.put("environments", String.join(",", environment.getActiveNames()));
                for (String property : List.of("redis.uri", "ephemera.admin-key", "ephemera.tokens.default-ttl",
                        "openai.api.key", "hf.token")) {
                    seen.put("property " + property, environment.getProperty(property, String.class).orElse(""));
                }
                for (String variable : List.of("REDIS_URI", "OPENAI_API_KEY")) {
                    seen.put("placeholder " + variable, environment.getPlaceholderResolver()
                            .resolvePlaceholders("${" + variable + ":}").orElse(""));
                }
            }
            Processes.Result env = Processes.run(List.of("env"), Duration.ofSeconds(10));
            Map<String, String> child = Arrays.stream(env.out().split("\n")).filter(line -> line.contains("="))
                    .map(line -> line.split("=", 2)).collect(Collectors.toMap(kv -> kv[0], kv -> kv[1], (a, b) -> a));
            seen.put("child hidden", child.keySet().stream().filter(TestEnvironment::hidden).sorted()
                    .collect(Collectors.joining(",")));
            seen.put("child PROBE_MARKER", child.getOrDefault("PROBE_MARKER", ""));
            Files.write(Path.of(args[0]), seen.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).toList());
        }
    }
}

package dev.ephemera.compat;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ephemera.support.Broker;
import dev.ephemera.support.FakeUpstream;
import dev.ephemera.support.SelfSignedCertificate;
import dev.ephemera.support.TestRedis;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The official {@code openai} and {@code @anthropic-ai/sdk} packages, unmodified and pinned by
 * {@code src/test/sdk/package-lock.json}, run with Node.js against the broker over TLS and a fake provider
 * ({@code src/test/sdk/sdk.test.mjs}). Skipped with a message where Node.js is missing, except in CI.
 */
class SdkCompatibilityTest {

    private static final Path SDK = Path.of("src", "test", "sdk");

    @Test
    void officialSdksWorkByChangingOnlyTheBaseUrlAndTheKey() throws Exception {
        String node = TestRedis.findOnPath("node");
        String npm = TestRedis.findOnPath("npm");
        if ((node == null || npm == null) && "true".equals(System.getenv("CI"))) {
            throw new IllegalStateException("CI=true but Node.js is missing: .ci/run installs it (apt nodejs npm)");
        }
        Assumptions.assumeTrue(node != null && npm != null, "Node.js not installed: SDK tests skipped");
        if (!Files.isDirectory(SDK.resolve("node_modules"))) {
            run(List.of(npm, "ci", "--no-audit", "--no-fund"), Map.of(), 300);
        }
        SelfSignedCertificate tls = new SelfSignedCertificate(Path.of("target", "tls"));
        int port = TestRedis.freePort();
        try (FakeUpstream fake = new FakeUpstream()) {
            Map<String, Object> config = new HashMap<>();
            config.put("micronaut.server.ssl.enabled", true);
            config.put("micronaut.server.ssl.port", port);
            config.put("micronaut.server.ssl.key-store.key-path", "file:" + tls.key.toAbsolutePath());
            config.put("micronaut.server.ssl.key-store.certificate-path", "file:" + tls.certificate.toAbsolutePath());
            config.put("micronaut.http.client.ssl.insecure-trust-all-certificates", true);
            config.put("ephemera.issuer", "https://localhost:" + port);
            config.put("ephemera.providers.openai.base-url", fake.base("openai"));
            config.put("ephemera.providers.openai.realtime-url", fake.websocketBase("sdk") + "/realtime");
            config.put("ephemera.providers.anthropic.base-url", fake.base("anthropic"));
            try (Broker broker = Broker.onRedis(TestRedis.uri(), config)) {
                String key = broker.createKey("write");
                Map<String, String> env = Map.of(
                        "EPHEMERA_URL", "https://localhost:" + port,
                        "EPHEMERA_API_KEY", key,
                        "SECRETS_NEVER_SEEN", Broker.OPENAI_KEY + "," + Broker.ANTHROPIC_KEY,
                        "NODE_EXTRA_CA_CERTS", tls.certificate.toAbsolutePath().toString());
                String output = run(List.of(node, "--test", "sdk.test.mjs"), env, 120);
                assertThat(output).contains("# pass 3").contains("# fail 0");
                assertThat(fake.recorder().everything()).doesNotContain("eph_").doesNotContain(key);
                assertThat(fake.recorder().requests).anySatisfy(seen -> assertThat(seen.header("x-api-key"))
                        .isEqualTo(Broker.ANTHROPIC_KEY));
                assertThat(fake.recorder().requests).anySatisfy(seen -> assertThat(seen.header("anthropic-version"))
                        .isNotNull());
            }
        }
    }

    private static String run(List<String> command, Map<String, String> env, int timeoutSeconds) throws Exception {
        ProcessBuilder builder = new ProcessBuilder(command).directory(SDK.toFile()).redirectErrorStream(true);
        builder.environment().putAll(env);
        Process process = builder.start();
        byte[] out = process.getInputStream().readAllBytes();
        boolean finished = process.waitFor(timeoutSeconds, TimeUnit.SECONDS);
        String output = new String(out, StandardCharsets.UTF_8);
        org.slf4j.LoggerFactory.getLogger(SdkCompatibilityTest.class).info("{}:\n{}", command, output);
        assertThat(finished).as(command + " finished").isTrue();
        assertThat(process.exitValue()).as(command + " exit code; output:\n" + output).isZero();
        return output;
    }
}

package dev.ephemera.compat;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ephemera.support.Broker;
import dev.ephemera.support.ExternalTools;
import dev.ephemera.support.FakeUpstream;
import dev.ephemera.support.Processes;
import dev.ephemera.support.SelfSignedCertificate;
import dev.ephemera.support.TestIssuer;
import dev.ephemera.support.TestRedis;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The official {@code openai} and {@code @anthropic-ai/sdk} packages, unmodified and pinned by
 * {@code src/test/sdk/package-lock.json}, run with Node.js against the broker over TLS and a fake provider
 * ({@code src/test/sdk/sdk.test.mjs}). Without Node.js it fails in CI and is skipped elsewhere, listed at the end
 * of the build ({@link ExternalTools}). A child process that outlives its time is killed.
 */
class SdkCompatibilityTest {

    private static final Path SDK = Path.of("src", "test", "sdk");

    /** Node.js, with the pinned packages installed; gives the {@code node} command. */
    private static String node() throws Exception {
        String install = "Node.js 20 or later with npm (apt-get install nodejs npm)";
        String node = ExternalTools.require("ephemera.test.node", install, "node").toString();
        String npm = ExternalTools.require("ephemera.test.npm", install, "npm").toString();
        if (!Files.isDirectory(SDK.resolve("node_modules", "oauth4webapi"))) {
            run(List.of(npm, "ci", "--no-audit", "--no-fund"), Map.of(), 300);
        }
        return node;
    }

    /** A broker over TLS on {@code port}, its issuer that URL, with a certificate made for this run. */
    private static Map<String, Object> tls(SelfSignedCertificate tls, int port) {
        Map<String, Object> config = new HashMap<>();
        config.put("micronaut.server.ssl.enabled", true);
        config.put("micronaut.server.ssl.port", port);
        config.put("micronaut.server.ssl.key-store.key-path", "file:" + tls.key.toAbsolutePath());
        config.put("micronaut.server.ssl.key-store.certificate-path", "file:" + tls.certificate.toAbsolutePath());
        config.put("micronaut.http.client.ssl.insecure-trust-all-certificates", true);
        config.put("ephemera.issuer", "https://localhost:" + port);
        return config;
    }

    /**
     * {@code oauth4webapi}, unmodified ({@code src/test/sdk/oauth.test.mjs}): discovery through the RFC 8414
     * metadata, {@code client_credentials} with {@code client_secret_basic} and {@code client_secret_post}, its
     * introspection and revocation calls as they are, token exchange of a user's JWT, and an RFC 6749 error.
     */
    @Test
    void standardOAuthClientsGetIntrospectAndRevokeTokens() throws Exception {
        String node = node();
        SelfSignedCertificate certificate = new SelfSignedCertificate(Path.of("target", "tls"));
        int port = TestRedis.freePort();
        TestIssuer idp = new TestIssuer();
        Map<String, Object> config = tls(certificate, port);
        config.putAll(idp.brokerConfig());
        try (Broker broker = Broker.inMemory(config)) {
            String key = broker.createKey("read", "write");
            Map<String, String> env = Map.of(
                    "EPHEMERA_URL", "https://localhost:" + port,
                    "EPHEMERA_CLIENT_ID", "key_" + key.substring("ephk_".length(), "ephk_".length() + 16),
                    "EPHEMERA_CLIENT_SECRET", key,
                    "USER_JWT", idp.user("alice"),
                    "PAGE_ORIGIN", "https://app.example.com",
                    "NODE_EXTRA_CA_CERTS", certificate.certificate.toAbsolutePath().toString());
            String output = run(List.of(node, "--test", "oauth.test.mjs"), env, 120);
            assertThat(output).containsPattern("(?m)^# pass 3$").containsPattern("(?m)^# fail 0$");
        }
    }

    @Test
    void officialSdksWorkByChangingOnlyTheBaseUrlAndTheKey() throws Exception {
        String node = node();
        SelfSignedCertificate tls = new SelfSignedCertificate(Path.of("target", "tls"));
        int port = TestRedis.freePort();
        try (FakeUpstream fake = new FakeUpstream()) {
            Map<String, Object> config = tls(tls, port);
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
                assertThat(output).containsPattern("(?m)^# pass 3$").containsPattern("(?m)^# fail 0$");
                assertThat(fake.recorder().everything()).doesNotContain("eph_").doesNotContain(key);
                // Every request the provider saw carries the provider's own key, in its own style.
                assertThat(fake.recorder().requests).filteredOn(seen -> seen.path().startsWith("/fake/anthropic"))
                        .isNotEmpty().allSatisfy(seen -> {
                            assertThat(seen.headers("x-api-key")).containsExactly(Broker.ANTHROPIC_KEY);
                            assertThat(seen.headers("anthropic-version")).containsExactly("2023-06-01");
                            assertThat(seen.headers("authorization")).isEmpty();
                        });
                assertThat(fake.recorder().requests).filteredOn(seen -> !seen.path().startsWith("/fake/anthropic"))
                        .isNotEmpty().allSatisfy(seen -> assertThat(seen.headers("authorization"))
                                .containsExactly("Bearer " + Broker.OPENAI_KEY));
            }
        }
    }

    private static String run(List<String> command, Map<String, String> env, int timeoutSeconds) throws Exception {
        ProcessBuilder builder = Processes.builder(command).directory(SDK.toFile()).redirectErrorStream(true);
        builder.environment().putAll(env);
        Process process = builder.start();
        // Read on a thread of its own, so that a child that hangs cannot hang the build past waitFor's timeout. Not
        // the common pool: on two cores it has one worker, which the broker in this JVM needs (the JDK's WebSocket
        // client completes its handshake there).
        java.util.concurrent.CompletableFuture<byte[]> out = new java.util.concurrent.CompletableFuture<>();
        Thread.ofVirtual().start(() -> {
            try {
                out.complete(process.getInputStream().readAllBytes());
            } catch (java.io.IOException e) {
                out.complete(new byte[0]);
            }
        });
        boolean finished = process.waitFor(timeoutSeconds, TimeUnit.SECONDS);
        if (!finished) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        String output = new String(out.get(10, TimeUnit.SECONDS), StandardCharsets.UTF_8);
        org.slf4j.LoggerFactory.getLogger(SdkCompatibilityTest.class).info("{}:\n{}", command, output);
        assertThat(finished).as(command + " finished").isTrue();
        assertThat(process.exitValue()).as(command + " exit code; output:\n" + output).isZero();
        return output;
    }
}

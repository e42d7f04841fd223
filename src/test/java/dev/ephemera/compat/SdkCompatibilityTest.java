package dev.ephemera.compat;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ephemera.support.Broker;
import dev.ephemera.support.ExternalTools;
import dev.ephemera.support.FakeRecorder;
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
 * The official {@code openai}, {@code @anthropic-ai/sdk} and {@code @google/genai} packages, unmodified and pinned
 * by {@code src/test/sdk/package-lock.json}, run with Node.js against the broker over TLS and a fake provider
 * ({@code src/test/sdk/*.test.mjs}). Without Node.js it fails in CI and is skipped elsewhere, listed at the end
 * of the build ({@link ExternalTools}). A child process that outlives its time is killed.
 */
class SdkCompatibilityTest {

    private static final Path SDK = Path.of("src", "test", "sdk");
    private static final String GEMINI_KEY = "test-gemini-0000-fake-provider-key";
    private static final String GEMINI_LIVE = "/ws/google.ai.generativelanguage.v1beta.GenerativeService"
            + ".BidiGenerateContent";
    /** The system instruction {@code "Be brief."} as the SDK sends it. */
    private static final String BE_BRIEF = "{\"parts\":[{\"text\":\"Be brief.\"}],\"role\":\"user\"}";

    /** Node.js, with the pinned packages installed; gives the {@code node} command. */
    private static String node() throws Exception {
        String install = "Node.js 20 or later with npm (apt-get install nodejs npm)";
        String node = ExternalTools.require("ephemera.test.node", install, "node").toString();
        String npm = ExternalTools.require("ephemera.test.npm", install, "npm").toString();
        if (!Files.isDirectory(SDK.resolve("node_modules", "oauth4webapi"))
                || !Files.isDirectory(SDK.resolve("node_modules", "@google", "genai"))) {
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

    /**
     * {@code src/test/sdk/genai.test.mjs} against the fake Gemini Live server directly (the SDK's base URL its
     * {@code /fake/gemini}): the script works, and the fake speaks Live as Google's own SDK expects.
     */
    @Test
    void googleGenAiLiveTalksToTheFakeAsToGoogle() throws Exception {
        String node = node();
        try (FakeUpstream fake = new FakeUpstream()) {
            Map<String, String> env = Map.of("BROKER_URL", fake.base("gemini"), "EPH_TOKEN", "fake-gemini-key",
                    "SYSTEM_INSTRUCTION", "Be brief.");
            String output = run(List.of(node, "--test", "genai.test.mjs"), env, 120);
            assertThat(output).containsPattern("(?m)^# pass 1$").containsPattern("(?m)^# fail 0$")
                    .contains("LIVE USAGE {\"promptTokenCount\":5,\"responseTokenCount\":40,");
            assertThat(fake.recorder().requests.getFirst().path()).isEqualTo("/fake/gemini" + GEMINI_LIVE
                    + "?key=fake-gemini-key");
            assertThat(fake.recorder().frames).containsExactly("{\"setup\":{\"model\":\"models/"
                    + "gemini-2.0-flash-live-001\",\"generationConfig\":{\"responseModalities\":[\"TEXT\"]},"
                    + "\"systemInstruction\":" + BE_BRIEF + "}}", "{\"clientContent\":{\"turns\":[{\"parts\":"
                    + "[{\"text\":\"hello\"}],\"role\":\"user\"}],\"turnComplete\":true}}");
        }
    }

    /**
     * {@code src/test/sdk/genai.test.mjs} through the broker's Gemini Live relay to the fake: a token minted for
     * {@code gemini} with its system instruction locked opens a session with only the SDK's base URL and key changed
     * (its base URL the broker's {@code /v1/proxy/gemini}, under which the SDK puts the token in {@code ?key=} of
     * {@code /ws/…}), and its answer and usage come back; a second token
     * whose setup changes the system instruction is closed with 1008 before the provider sees that setup.
     */
    @Test
    void googleGenAiLiveThroughTheBroker() throws Exception {
        String node = node();
        SelfSignedCertificate tls = new SelfSignedCertificate(Path.of("target", "tls"));
        int port = TestRedis.freePort();
        try (FakeUpstream fake = new FakeUpstream().expectKey("gemini", "x-goog-api-key", GEMINI_KEY)) {
            Map<String, Object> config = tls(tls, port);
            config.put("ephemera.providers.gemini.base-url", fake.base("gemini"));
            config.put("ephemera.providers.gemini.api-key", GEMINI_KEY);
            try (Broker broker = Broker.inMemory(config)) {
                String key = broker.createKey("write");
                Map<String, String> env = new HashMap<>(Map.of(
                        "BROKER_URL", "https://localhost:" + port + "/v1/proxy/gemini",
                        "SYSTEM_INSTRUCTION", "Be brief.",
                        "EXPECT_TEXT", "tok",
                        "SECRETS_NEVER_SEEN", GEMINI_KEY,
                        "NODE_EXTRA_CA_CERTS", tls.certificate.toAbsolutePath().toString()));
                env.put("EPH_TOKEN", liveToken(broker, key));
                String output = run(List.of(node, "--test", "genai.test.mjs"), env, 120);
                assertThat(output).containsPattern("(?m)^# pass 1$").containsPattern("(?m)^# fail 0$")
                        .contains("LIVE USAGE {\"promptTokenCount\":5,\"responseTokenCount\":40,");
                FakeRecorder.Seen handshake = fake.recorder().requests.getFirst();
                assertThat(handshake.path()).isEqualTo("/fake/gemini" + GEMINI_LIVE);
                assertThat(handshake.headers("x-goog-api-key")).containsExactly(GEMINI_KEY);
                assertThat(fake.recorder().frames).hasSize(2).first().asString().contains(BE_BRIEF);

                env.put("EPH_TOKEN", liveToken(broker, key));
                env.put("EXPECT_LOCKED", "1");
                output = run(List.of(node, "--test", "genai.test.mjs"), env, 120);
                assertThat(output).containsPattern("(?m)^# pass 1$").containsPattern("(?m)^# fail 0$");
                assertThat(fake.recorder().frames).as("the changed setup never reached the provider").hasSize(2);
                assertThat(fake.recorder().everything()).doesNotContain("eph_").doesNotContain(key);
            }
        }
    }

    /** A token for one Gemini Live session of {@code gemini-2.0-flash-live-001}, its system instruction locked. */
    private static String liveToken(Broker broker, String key) {
        Broker.Reply minted = broker.mint(key, Map.of("provider", "gemini", "model", "gemini-2.0-flash-live-001",
                "max_uses", 1, "session", Map.of("systemInstruction", Map.of("parts",
                        List.of(Map.of("text", "Be brief.")), "role", "user")),
                "locked_fields", List.of("systemInstruction")));
        assertThat(minted.status()).as(minted.body()).isEqualTo(201);
        return minted.string("value");
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

package dev.ephemera.relay;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ephemera.provider.UpstreamKeys;
import dev.ephemera.support.Broker;
import dev.ephemera.support.Broker.Reply;
import dev.ephemera.support.FakeRecorder;
import dev.ephemera.support.FakeUpstream;
import dev.ephemera.support.LogCapture;
import dev.ephemera.support.TestRedis;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Upstream-native mode: the provider's own ephemeral key, fetched with the provider's key and tracked here. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class UpstreamModeTest {

    private FakeUpstream fake;
    private Broker broker;
    private LogCapture logs;
    private String key;

    @BeforeAll
    void start() {
        logs = new LogCapture();
        fake = new FakeUpstream();
        Map<String, Object> config = new HashMap<>();
        for (String p : new String[] {"openai", "azure", "xai", "mistral", "gemini"}) {
            config.put("ephemera.providers." + p + ".base-url", fake.base(p));
            config.put("ephemera.providers." + p + ".api-key", "sk-test-" + p + "-upstream");
            String header = switch (p) {
                case "azure" -> "api-key";
                case "gemini" -> "x-goog-api-key";
                default -> "Authorization";
            };
            fake.expectKey(p, header, (header.equals("Authorization") ? "Bearer " : "") + "sk-test-" + p + "-upstream");
        }
        broker = Broker.onRedis(TestRedis.uri(), config);
        key = broker.createKey("write", "read");
    }

    @AfterAll
    void stop() {
        broker.close();
        fake.close();
        String logged = logs.all();
        logs.close();
        assertThat(logged).doesNotContain("sk-test-openai-upstream", "ek_fake", "rt_fake", "auth_tokens/fake");
    }

    @BeforeEach
    void reset() {
        fake.recorder().reset();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("providers")
    void mintsTheProvidersOwnKeyWithTheProvidersAuthStyle(String provider, String path, String authHeader,
            String authValue, String value, String bodyContains) {
        Reply r = broker.mint(key, Map.of("provider", provider, "model", "m-1", "mode", "upstream",
                "ttl_seconds", 60, "session", Map.of("voice", "alloy")));
        assertThat(r.string("value")).isEqualTo(value);
        assertThat(r.string("mode")).isEqualTo("upstream");
        assertThat(r.string("id")).startsWith("tok_");
        assertThat(r.number("expires_at") - System.currentTimeMillis() / 1000).isBetween(55L, 61L);
        FakeRecorder.Seen seen = fake.recorder().last();
        assertThat(seen.path()).isEqualTo("/fake/" + provider + path);
        assertThat(seen.header(authHeader)).isEqualTo(authValue);
        assertThat(seen.body()).contains(bodyContains);
        assertThat(broker.delete("/v1/tokens/" + r.string("id"), key).status()).as("tracked under its id")
                .isEqualTo(204);
    }

    static Stream<Arguments> providers() {
        return Stream.of(
                Arguments.of("openai", "/realtime/client_secrets", "Authorization", "Bearer sk-test-openai-upstream",
                        "ek_fake_openai", "\"expires_after\":{\"anchor\":\"created_at\",\"seconds\":60}"),
                Arguments.of("azure", "/v1/realtime/client_secrets", "api-key", "sk-test-azure-upstream",
                        "ek_fake_azure", "\"model\":\"m-1\""),
                Arguments.of("xai", "/realtime/client_secrets", "Authorization", "Bearer sk-test-xai-upstream",
                        "ek_fake_xai", "\"seconds\":60"),
                Arguments.of("mistral", "/client/sessions", "Authorization", "Bearer sk-test-mistral-upstream",
                        "rt_fake_mistral", "\"purpose\":\"realtime\""),
                Arguments.of("gemini", "/v1alpha/auth_tokens", "x-goog-api-key", "sk-test-gemini-upstream",
                        "auth_tokens/fake_gemini", "\"uses\":1"));
    }

    @Test
    void openAiGetsTheLockedSessionConfig() {
        broker.mint(key, Map.of("provider", "openai", "model", "gpt-realtime", "mode", "upstream",
                "session", Map.of("instructions", "Be brief.")));
        assertThat(fake.recorder().last().body()).contains("\"type\":\"realtime\"", "\"model\":\"gpt-realtime\"",
                "\"instructions\":\"Be brief.\"");
    }

    @Test
    void aProviderThatRefusesOrCannotBeReachedIsAnUpstreamError() throws Exception {
        fake.expectKey("xai", "Authorization", "Bearer sk-test-not-the-brokers-key");
        try {
            Reply refused = broker.postJson("/v1/tokens", key, Map.of("provider", "xai", "mode", "upstream"));
            assertThat(refused.status()).isEqualTo(502);
            assertThat(refused.code()).isEqualTo("upstream_error");
        } finally {
            fake.expectKey("xai", "Authorization", "Bearer sk-test-xai-upstream");
        }
        int closedPort;
        try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        try (Broker unreachable = Broker.inMemory(Map.of("ephemera.providers.openai.base-url",
                "http://127.0.0.1:" + closedPort + "/v1"))) {
            String writer = unreachable.createKey("write");
            Reply r = unreachable.postJson("/v1/tokens", writer, Map.of("provider", "openai", "mode", "upstream"));
            assertThat(r.status()).isEqualTo(502);
            assertThat(r.code()).isEqualTo("upstream_error");
        }
    }

    @Test
    void providersWithoutEphemeralKeysAreRefused() {
        Reply r = broker.postJson("/v1/tokens", key, Map.of("provider", "anthropic", "mode", "upstream"));
        assertThat(r.status()).isEqualTo(400);
        assertThat(((Map<?, ?>) r.json().get("error")).get("param")).isEqualTo("mode");
        assertThat(broker.postJson("/v1/tokens", key, Map.of("provider", "openai", "mode", "upstream",
                "format", "jwt")).code()).isEqualTo("invalid_request");
    }

    @Test
    void lifetimesAreClampedToEachProvidersBounds() {
        assertThat(UpstreamKeys.clamp("openai", Duration.ofSeconds(5))).isEqualTo(Duration.ofSeconds(10));
        assertThat(UpstreamKeys.clamp("azure", Duration.ofHours(3))).isEqualTo(Duration.ofHours(2));
        assertThat(UpstreamKeys.clamp("gemini", Duration.ofHours(30))).isLessThan(Duration.ofHours(20));
        assertThat(UpstreamKeys.clamp("xai", Duration.ofSeconds(60))).isEqualTo(Duration.ofSeconds(60));
    }
}

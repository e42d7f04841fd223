package dev.ephemera.provider;

import static org.awaitility.Awaitility.await;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ephemera.support.Broker;
import dev.ephemera.support.Broker.Reply;
import io.micronaut.context.ApplicationContext;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProviderRegistryTest {

    @TempDir
    Path dir;

    private static ProviderRegistry registry(Map<String, Object> properties) {
        return ApplicationContext.run(properties).getBean(ProviderRegistry.class);
    }

    @Test
    void presetIsEnabledByItsUsualEnvironmentVariable() {
        // OPENAI_API_KEY reaches Micronaut as the property openai.api.key.
        Provider openai = registry(Map.of("openai.api.key", "sk-test-from-env")).require("openai");
        assertThat(openai.upstreamHeaders()).contains(Map.of("Authorization", "Bearer sk-test-from-env"));
        assertThat(openai.baseUri().toString()).isEqualTo("https://api.openai.com/v1");
        assertThat(openai.realtimeUri().toString()).isEqualTo("wss://api.openai.com/v1/realtime");
    }

    @Test
    void theLiveUrlIsTheRealtimeUrlWhenThatIsALiveApisElseGeminisLivePathUnderTheBaseUrl() {
        String live = "/ws/google.ai.generativelanguage.v1beta.GenerativeService.BidiGenerateContent";
        ProviderRegistry r = registry(Map.of("ephemera.providers.gemini.api-key", "g",
                "ephemera.providers.gemini.base-url", "http://127.0.0.1:9/fake/gemini",
                "ephemera.providers.vertex-like.base-url", "https://127.0.0.1:9/v1",
                "ephemera.providers.vertex-like.api-key", "v",
                "ephemera.providers.vertex-like.realtime-url",
                "wss://127.0.0.1:9/ws/google.cloud.aiplatform.v1.LlmBidiService/BidiGenerateContent"));
        assertThat(r.require("gemini").liveUri().toString()).isEqualTo("ws://127.0.0.1:9/fake/gemini" + live);
        assertThat(r.require("vertex-like").liveUri().toString())
                .isEqualTo("wss://127.0.0.1:9/ws/google.cloud.aiplatform.v1.LlmBidiService/BidiGenerateContent");
    }

    @Test
    void eachProviderGetsItsKeyInItsOwnStyle() {
        ProviderRegistry r = registry(Map.of(
                "ephemera.providers.anthropic.api-key", "a",
                "ephemera.providers.azure.api-key", "z",
                "ephemera.providers.azure.base-url", "https://res.openai.azure.com/openai",
                "ephemera.providers.gemini.api-key", "g",
                "ephemera.providers.mistral.api-key", "m",
                "ephemera.providers.openai.api-key", "o",
                "ephemera.providers.openai.headers.OpenAI-Organization", "org-test"));
        assertThat(r.require("anthropic").upstreamHeaders().orElseThrow())
                .containsEntry("x-api-key", "a").containsEntry("anthropic-version", "2023-06-01");
        assertThat(r.require("azure").upstreamHeaders().orElseThrow()).containsEntry("api-key", "z");
        assertThat(r.require("gemini").upstreamHeaders().orElseThrow()).containsEntry("x-goog-api-key", "g");
        assertThat(r.require("mistral").upstreamHeaders().orElseThrow()).containsEntry("Authorization", "Bearer m");
        assertThat(r.require("openai").upstreamHeaders().orElseThrow())
                .containsEntry("Authorization", "Bearer o").containsEntry("OpenAI-Organization", "org-test");
    }

    @Test
    void customProviderNeedsABaseUrl() {
        ProviderRegistry r = registry(Map.of("ephemera.providers.local.base-url", "http://127.0.0.1:9/v1",
                "ephemera.providers.local.api-key", "k", "ephemera.providers.local.auth-style", "x-api-key"));
        assertThat(r.require("local").upstreamHeaders().orElseThrow()).containsEntry("x-api-key", "k");
    }

    @Test
    void fileKeyIsReReadWhenItChangesAndTheSecondaryCoversItsAbsence() throws Exception {
        Path file = dir.resolve("openai");
        Files.writeString(file, "sk-test-first\n");
        Provider p = registry(Map.of("ephemera.providers.openai.api-key-file", file.toString(),
                "ephemera.providers.openai.secondary-api-key", "sk-test-secondary")).require("openai");
        assertThat(p.key()).contains("sk-test-first");
        Files.writeString(file, "sk-test-second\n");
        Files.setLastModifiedTime(file, FileTime.from(Instant.now().plusSeconds(5)));
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(p.key()).contains("sk-test-second"));
        Files.delete(file);
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(p.key()).contains("sk-test-secondary"));
    }

    @Test
    void mintingForAProviderWithoutAKeyIsRefused() {
        try (Broker broker = Broker.inMemory(Map.of())) {
            String key = broker.createKey("write");
            Reply r = broker.postJson("/v1/tokens", key, Map.of("provider", "gemini"));
            assertThat(r.status()).isEqualTo(502);
            assertThat(r.code()).isEqualTo("provider_not_configured");
            assertThat(broker.postJson("/v1/tokens", key, Map.of("provider", "nope")).code())
                    .isEqualTo("unknown_provider");
        }
    }

    @Test
    void adminListsProvidersWithoutTheirKeys() {
        try (Broker broker = Broker.inMemory(Map.of())) {
            Reply r = broker.get("/v1/admin/providers", Broker.ADMIN_KEY);
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.body()).doesNotContain(Broker.OPENAI_KEY).doesNotContain(Broker.ANTHROPIC_KEY)
                    .contains("\"name\":\"openai\"", "\"enabled\":true", "\"auth_style\":\"x-api-key\"");
            @SuppressWarnings("unchecked")
            List<Map<String, Object>> data = (List<Map<String, Object>>) r.json().get("data");
            assertThat(data).extracting(m -> m.get("name")).contains("openai", "anthropic", "gemini", "azure",
                    "mistral", "cohere", "huggingface", "glm", "zhipu", "kimi", "kimi-cn", "xai");
            // The seeds' providers as their users name them: international under the name, mainland China beside.
            Map<Object, Object> bases = new java.util.HashMap<>();
            data.forEach(m -> bases.put(m.get("name"), m.get("base_url")));
            assertThat(bases).containsEntry("glm", "https://api.z.ai/api/paas/v4")
                    .containsEntry("zhipu", "https://open.bigmodel.cn/api/paas/v4")
                    .containsEntry("kimi", "https://api.moonshot.ai/v1")
                    .containsEntry("kimi-cn", "https://api.moonshot.cn/v1");
            String writer = broker.createKey("write");
            assertThat(broker.get("/v1/admin/providers", writer).code()).isEqualTo("insufficient_permissions");
        }
    }
}

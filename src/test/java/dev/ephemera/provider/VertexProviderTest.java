package dev.ephemera.provider;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.ephemera.error.BrokerException;
import dev.ephemera.error.ErrorCode;
import dev.ephemera.support.FakeGoogle;
import dev.ephemera.support.LogCapture;
import io.micronaut.context.ApplicationContext;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The {@code vertex} preset: where its project and location put it (regional or global), its Live URLs and model
 * names beside Gemini's, when it is enabled, and its access tokens failing closed on a bad key file and recovering
 * once the file is fixed.
 */
class VertexProviderTest {

    private static final String LIVE = "/ws/google.cloud.aiplatform.v1.LlmBidiService/BidiGenerateContent";

    @TempDir
    Path dir;

    /** A registry with {@code properties}; Vertex AI's key file is one that does not exist unless given. */
    private ApplicationContext context(Map<String, Object> properties) {
        Map<String, Object> all = new HashMap<>(Map.of("ephemera.providers.vertex.credentials-file",
                dir.resolve("absent.json").toString()));
        all.putAll(properties);
        return ApplicationContext.run(all);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({
        "us-central1, us-central1-aiplatform.googleapis.com",
        "europe-west4, europe-west4-aiplatform.googleapis.com",
        "global, aiplatform.googleapis.com"})
    void aRegionIsItsOwnHostAndGlobalHasNone(String location, String host) {
        VertexLocation where = new VertexLocation("my-project", location);
        assertThat(where.host()).isEqualTo(host);
        assertThat(where.baseUrl()).isEqualTo("https://" + host + "/v1/projects/my-project/locations/" + location
                + "/publishers/google");
        assertThat(VertexLocation.liveUri(URI.create(where.baseUrl()))).hasToString("wss://" + host + LIVE);
    }

    @ParameterizedTest
    @ValueSource(strings = {"evil.example/x", "us-central1.evil.example", "US-CENTRAL1", "", "us central1",
        "us-central1@evil", "-us", "a-b-c-d-e-f-g"})
    void refusesALocationThatIsNoRegion(String location) {
        assertThatThrownBy(() -> new VertexLocation("my-project", location))
                .hasMessageContaining("ephemera.providers.vertex.location");
    }

    @ParameterizedTest
    @ValueSource(strings = {"my-project/../x", "My-Project", "proj", "p?x", "my-project-", "1-project", ""})
    void refusesAProjectThatIsNoProjectId(String project) {
        assertThatThrownBy(() -> new VertexLocation(project, "us-central1"))
                .hasMessageContaining("ephemera.providers.vertex.project");
    }

    @Test
    void acceptsProjectIdsNumbersAndDomainScopedIds() {
        for (String project : new String[] {"my-project", "my-project-123456", "123456789012", "example.com:my-app"}) {
            assertThat(new VertexLocation(project, "us-central1").publisher()).startsWith("projects/" + project + "/");
        }
    }

    @Test
    void theLiveUrlOfAFakeBaseKeepsItsHostPortAndPathPrefix() {
        assertThat(VertexLocation.liveUri(URI.create("http://127.0.0.1:9/fake/vertex/v1/projects/p/locations/l"
                + "/publishers/google"))).hasToString("ws://127.0.0.1:9/fake/vertex" + LIVE);
        assertThat(VertexLocation.liveUri(URI.create("http://127.0.0.1:9/fake/vertex")))
                .hasToString("ws://127.0.0.1:9/fake/vertex" + LIVE);
    }

    @Test
    void presetsFromProjectAndLocationWithGoogleCloudsVariablesAsDefaults() {
        try (ApplicationContext c = context(Map.of("ephemera.providers.vertex.project", "my-project",
                "ephemera.providers.vertex.location", "global"))) {
            Provider vertex = c.getBean(ProviderRegistry.class).require("vertex");
            assertThat(vertex.baseUri()).hasToString("https://aiplatform.googleapis.com/v1/projects/my-project"
                    + "/locations/global/publishers/google");
            assertThat(vertex.realtimeUri()).hasToString("wss://aiplatform.googleapis.com" + LIVE);
            assertThat(vertex.endpoints("POST", "/models/gemini-2.5-flash:generateContent")).singleElement()
                    .satisfies(m -> assertThat(m.pathModel()).isEqualTo("gemini-2.5-flash"));
            assertThat(vertex.endpoints("POST", "/models/gemini-2.5-flash:predict")).isEmpty();
            // Its key file is absent: no access token, and the relays are told so before anything is sent.
            assertThatThrownBy(vertex::upstreamHeaders).isInstanceOf(BrokerException.class)
                    .hasMessageContaining("could not get an access token from Google")
                    .satisfies(e -> assertThat(((BrokerException) e).errorCode()).isEqualTo(ErrorCode.UPSTREAM_ERROR));
        }
        // GOOGLE_CLOUD_PROJECT and GOOGLE_CLOUD_LOCATION reach Micronaut as these properties; the region by default.
        try (ApplicationContext c = context(Map.of("google.cloud.project", "env-project"))) {
            assertThat(c.getBean(ProviderRegistry.class).require("vertex").baseUri()).hasToString(
                    "https://us-central1-aiplatform.googleapis.com/v1/projects/env-project/locations/us-central1"
                    + "/publishers/google");
        }
        try (ApplicationContext c = context(Map.of("google.cloud.project", "env-project", "google.cloud.location",
                "asia-northeast1", "ephemera.providers.vertex.realtime-url", "wss://live.example/ws"))) {
            Provider vertex = c.getBean(ProviderRegistry.class).require("vertex");
            assertThat(vertex.baseUri().getHost()).isEqualTo("asia-northeast1-aiplatform.googleapis.com");
            assertThat(vertex.realtimeUri()).hasToString("wss://live.example/ws");
        }
    }

    @Test
    void withoutAProjectVertexIsKnownButNotEnabledAndStartsNothing() {
        try (ApplicationContext c = ApplicationContext.run(Map.of())) {
            ProviderRegistry registry = c.getBean(ProviderRegistry.class);
            assertThat(registry.isKnown("vertex")).isTrue();
            assertThatThrownBy(() -> registry.require("vertex")).isInstanceOf(BrokerException.class)
                    .satisfies(e -> assertThat(((BrokerException) e).errorCode())
                            .isEqualTo(ErrorCode.PROVIDER_NOT_CONFIGURED));
            assertThat(registry.all()).filteredOn(p -> p.name().equals("vertex")).singleElement()
                    .satisfies(p -> assertThat(p.primarySource()).as("no access tokens fetched").isEqualTo("none"));
        }
    }

    @Test
    void liveModelNamesTheModelAsEachProvidersLiveSetupDoes() {
        ProviderRegistry registry = TestProviders.withKey("gemini", "g");
        Provider gemini = registry.require("gemini");
        assertThat(gemini.liveModel("gemini-2.0-flash-live-001")).isEqualTo("models/gemini-2.0-flash-live-001");
        assertThat(gemini.liveModel("models/gemini-2.0-flash-live-001")).isEqualTo("models/gemini-2.0-flash-live-001");
        assertThat(TestProviders.withKey("openai", "o").require("openai").liveModel("gpt-x")).isEqualTo("models/gpt-x");
        try (ApplicationContext c = context(Map.of("ephemera.providers.vertex.project", "my-project",
                "ephemera.providers.vertex.location", "europe-west4"))) {
            Provider vertex = c.getBean(ProviderRegistry.class).require("vertex");
            String full = "projects/my-project/locations/europe-west4/publishers/google/models/gemini-live-2.5-flash";
            assertThat(vertex.liveModel("gemini-live-2.5-flash")).isEqualTo(full);
            assertThat(vertex.liveModel("models/gemini-live-2.5-flash")).isEqualTo(full);
        }
    }

    @Test
    void geminisLiveUrlIsUnderItsBaseUrlUnlessConfigured() {
        String path = "/ws/google.ai.generativelanguage.v1beta.GenerativeService.BidiGenerateContent";
        assertThat(TestProviders.withKey("gemini", "g").require("gemini").realtimeUri())
                .hasToString("wss://generativelanguage.googleapis.com" + path);
        try (ApplicationContext c = ApplicationContext.run(Map.of("ephemera.providers.gemini.api-key", "g",
                "ephemera.providers.gemini.base-url", "http://127.0.0.1:9/fake/gemini"))) {
            assertThat(c.getBean(ProviderRegistry.class).require("gemini").realtimeUri())
                    .hasToString("ws://127.0.0.1:9/fake/gemini" + path);
        }
        try (ApplicationContext c = ApplicationContext.run(Map.of("ephemera.providers.gemini.api-key", "g",
                "ephemera.providers.gemini.realtime-url", "wss://live.example/gemini"))) {
            assertThat(c.getBean(ProviderRegistry.class).require("gemini").realtimeUri())
                    .hasToString("wss://live.example/gemini");
        }
        assertThat(TestProviders.withKey("openai", "o").require("openai").realtimeUri())
                .hasToString("wss://api.openai.com/v1/realtime");
    }

    @ParameterizedTest(name = "a lifetime of {0} s is refreshed after {1} s")
    @CsvSource({"3600, 2700", "1200, 900", "600, 300", "300, 150", "6, 3"})
    void refreshesAtTheEarlierOfFiveMinutesBeforeExpiryAndThreeQuartersButNotBeforeHalf(long lifetime, long after) {
        assertThat(GoogleAccessTokens.refreshAfter(Duration.ofSeconds(lifetime))).isEqualTo(Duration.ofSeconds(after));
    }

    @Test
    void aBadKeyFileFailsClosedAndAFixedOneRecoversWithoutRestart() throws Exception {
        Path file = dir.resolve("key.json");
        Files.writeString(file, "{\"type\":\"service_account\",\"private_key\":\"not a key\"}");
        try (LogCapture logs = new LogCapture(); FakeGoogle google = new FakeGoogle();
                GoogleAccessTokens tokens = GoogleAccessTokens.fromKeyFile(file, Clock.systemUTC()).start()) {
            await().atMost(Duration.ofSeconds(5)).until(() -> logs.all().contains("access token not refreshed"));
            assertThat(tokens.current()).isEmpty();
            Files.move(google.serviceAccountKey(dir), file, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100))
                    .until(() -> tokens.current().isPresent());
            assertThat(google.issued).extracting(FakeGoogle.Issued::value).contains(tokens.current().orElseThrow());
            assertThat(logs.all()).doesNotContain(tokens.current().orElseThrow())
                    .doesNotContain(google.privateKeyPem().substring(28, 90)).doesNotContain("not a key");
        }
    }
}

package dev.ephemera;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ephemera.apikey.ApiKeyService;
import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** A configuration that makes no sense stops the boot with a message naming the property. */
class StartupValidationTest {

    @ParameterizedTest(name = "{0}")
    @MethodSource("badConfigurations")
    void refusesToStart(String why, Map<String, Object> properties, String mentioned) {
        Map<String, Object> all = new HashMap<>(properties);
        all.put("micronaut.server.port", -1);
        assertThatThrownBy(() -> ApplicationContext.run(EmbeddedServer.class, all).close())
                .satisfies(e -> assertThat(messages(e)).contains(mentioned));
    }

    static Stream<Arguments> badConfigurations() {
        return Stream.of(
                Arguments.of("default TTL below 10 s", Map.of("ephemera.tokens.default-ttl", "5s"),
                        "ephemera.tokens.default-ttl"),
                Arguments.of("default TTL above the maximum", Map.of("ephemera.tokens.default-ttl", "700s"),
                        "ephemera.tokens.default-ttl"),
                Arguments.of("maximum TTL above an hour", Map.of("ephemera.tokens.max-ttl", "2h"),
                        "ephemera.tokens.max-ttl"),
                Arguments.of("short admin key", Map.of("ephemera.admin-key", "too-short"), "ephemera.admin-key"),
                Arguments.of("published dev key on a shared store", Map.of("ephemera.admin-key",
                        ApiKeyService.DEV_ADMIN_KEY, "redis.uri", "redis://127.0.0.1:1"), "published development key"),
                Arguments.of("unknown algorithm", Map.of("ephemera.tokens.signing.algorithm", "HS256"),
                        "ephemera.tokens.signing.algorithm"),
                Arguments.of("missing key file", Map.of("ephemera.tokens.signing.key-file", "/nonexistent/key.pem"),
                        "/nonexistent/key.pem"),
                Arguments.of("key that is not a key", Map.of("ephemera.tokens.signing.key", "hello"),
                        "ephemera.tokens.signing.key"),
                Arguments.of("issuer that is not a URL", Map.of("ephemera.issuer", "ftp://broker"),
                        "ephemera.issuer"),
                Arguments.of("JWT issuer without keys", Map.of("ephemera.auth.issuers.idp.issuer", "https://idp.test",
                        "ephemera.auth.issuers.idp.audience", "ephemera"), "has no keys: set jwks-uri or public-keys"),
                Arguments.of("JWT issuer allowing HS256", Map.of("ephemera.auth.issuers.idp.issuer",
                        "https://idp.test", "ephemera.auth.issuers.idp.audience", "ephemera",
                        "ephemera.auth.issuers.idp.jwks-uri", "https://idp.test/jwks",
                        "ephemera.auth.issuers.idp.algorithms", List.of("HS256")), "HS256 is not allowed"),
                Arguments.of("profile without origins", Map.of("ephemera.profiles.p.provider", "openai"),
                        "ephemera.profiles.p.allowed-origins"),
                Arguments.of("unknown data-channel rule", Map.of("ephemera.profiles.p.provider", "openai",
                        "ephemera.profiles.p.allowed-origins", List.of("https://app.example.com"),
                        "ephemera.profiles.p.data-channel.allowed-events", List.of("response.create")),
                        "ephemera.profiles.p.data-channel.allowed-events is not a rule"),
                Arguments.of("data-channel rule that is no list", Map.of("ephemera.profiles.p.provider", "openai",
                        "ephemera.profiles.p.allowed-origins", List.of("https://app.example.com"),
                        "ephemera.profiles.p.data-channel.allowed-client-events", 7),
                        "must be a list of event types, or all"),
                Arguments.of("profile limit of money with seven fraction digits", Map.of(
                        "ephemera.profiles.p.provider", "openai",
                        "ephemera.profiles.p.allowed-origins", List.of("https://app.example.com"),
                        "ephemera.profiles.p.limits.max-cost-usd", "0.0000001"),
                        "ephemera.profiles.p.limits.max-cost-usd must be an amount"),
                Arguments.of("profile limit of money of nothing", Map.of("ephemera.profiles.p.provider", "openai",
                        "ephemera.profiles.p.allowed-origins", List.of("https://app.example.com"),
                        "ephemera.profiles.p.limits.max-cost-usd", "0"),
                        "ephemera.profiles.p.limits.max-cost-usd must be an amount"),
                Arguments.of("subject budget in an exponent", Map.of("ephemera.profiles.p.provider", "openai",
                        "ephemera.profiles.p.allowed-origins", List.of("https://app.example.com"),
                        "ephemera.profiles.p.per-subject-budget.usd-per-day", "1e3"),
                        "ephemera.profiles.p.per-subject-budget.usd-per-day must be an amount"),
                Arguments.of("unknown subject budget", Map.of("ephemera.profiles.p.provider", "openai",
                        "ephemera.profiles.p.allowed-origins", List.of("https://app.example.com"),
                        "ephemera.profiles.p.per-subject-budget.tokens-per-day", 5),
                        "ephemera.profiles.p.per-subject-budget.tokens-per-day is not a budget"),
                Arguments.of("CORS wildcard", Map.of("ephemera.cors.allowed-origins", List.of("*")),
                        "may not be *"),
                Arguments.of("Vertex AI without a project", Map.of("ephemera.providers.vertex.location",
                        "us-central1"), "ephemera.providers.vertex.project (or GOOGLE_CLOUD_PROJECT) is required"),
                Arguments.of("Vertex AI with an API key", Map.of("ephemera.providers.vertex.project", "my-project",
                        "ephemera.providers.vertex.api-key", "AIza-test"),
                        "ephemera.providers.vertex takes no api-key"),
                Arguments.of("Vertex AI location that is no region", Map.of("ephemera.providers.vertex.project",
                        "my-project", "ephemera.providers.vertex.location", "evil.example/x"),
                        "ephemera.providers.vertex.location must be a Google Cloud region"));
    }

    @Test
    void startsWithTheDefaults() {
        try (ApplicationContext context = ApplicationContext.run(EmbeddedServer.class,
                Map.of("micronaut.server.port", -1)).getApplicationContext()) {
            assertThat(context.isRunning()).isTrue();
        }
    }

    private static String messages(Throwable e) {
        StringBuilder all = new StringBuilder();
        for (Throwable t = e; t != null; t = t.getCause()) {
            all.append(t.getMessage()).append('\n');
        }
        return all.toString();
    }
}

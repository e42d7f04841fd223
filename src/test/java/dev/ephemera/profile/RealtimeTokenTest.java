package dev.ephemera.profile;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ephemera.support.Broker;
import dev.ephemera.support.Broker.Reply;
import dev.ephemera.support.TestIssuer;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.MediaType;
import io.micronaut.http.MutableHttpRequest;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * SPEC §4: {@code /realtime-token} mints from a server-side profile for the authenticated user; the body may pick a
 * profile and narrow it, never widen it; the token is bound to the request's {@code Origin}, which the profile
 * must allow.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RealtimeTokenTest {

    private static final String APP = "https://app.example.com";
    private final TestIssuer idp = new TestIssuer();
    private Broker broker;

    @BeforeAll
    void start() {
        Map<String, Object> config = new HashMap<>(idp.brokerConfig());
        config.put("ephemera.profiles.voice.ttl", "120s");
        config.put("ephemera.profiles.voice.max-uses", 3);
        config.put("ephemera.profiles.voice.endpoints", List.of("POST /chat/completions", "POST /embeddings"));
        broker = Broker.inMemory(config);
    }

    @AfterAll
    void stop() {
        broker.close();
    }

    private Reply mint(String body, String origin, String bearer) {
        MutableHttpRequest<String> request = HttpRequest.POST("/realtime-token", body)
                .contentType(MediaType.APPLICATION_JSON_TYPE).bearerAuth(bearer);
        return broker.send(origin == null ? request : request.header("Origin", origin));
    }

    @Test
    void theBodyMayNarrowTtlUsesAndEndpoints() {
        Reply r = mint("{\"ttl_seconds\":30,\"max_uses\":2,\"endpoints\":[\"POST /embeddings\"]}", APP,
                idp.user("alice"));
        assertThat(r.status()).isEqualTo(201);
        assertThat(r.number("expires_in")).isEqualTo(30);
        assertThat(r.number("max_uses")).isEqualTo(2);
        assertThat(r.json()).containsEntry("origin", APP).containsEntry("subject", "alice")
                .containsEntry("model", "gpt-realtime");
        Reply defaults = mint("{}", APP, idp.user("alice"));
        assertThat(defaults.number("expires_in")).isEqualTo(120);
        assertThat(defaults.number("max_uses")).isEqualTo(3);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "{\"ttl_seconds\":121}|ttl_seconds",
        "{\"max_uses\":4}|max_uses",
        "{\"endpoints\":[\"POST /responses\"]}|endpoints",
        "{\"endpoints\":[\"GET /files\"]}|endpoints",
        "{\"provider\":\"anthropic\"}|provider",
        "{\"model\":\"gpt-4o\"}|model",
        "{\"session\":{\"instructions\":\"x\"}}|session",
        "{\"locked_fields\":[]}|locked_fields",
        "{\"origin\":\"https://evil.example\"}|origin",
        "{\"profile\":\"nope\"}|profile",
    })
    void theBodyMayNotWidenTheProfileNorSetWhatItFixes(String body, String param) {
        Reply r = mint(body, APP, idp.user("alice"));
        assertThat(r.status()).as(body).isEqualTo(400);
        assertThat(r.code()).isEqualTo("invalid_request");
        assertThat(r.param()).isEqualTo(param);
    }

    @Test
    void aRequestWithoutAnAllowedOriginIsRefused() {
        for (String origin : new String[] {null, "https://evil.example", "null"}) {
            Reply r = mint("{}", origin, idp.user("alice"));
            assertThat(r.status()).as(String.valueOf(origin)).isEqualTo(403);
            assertThat(r.code()).isEqualTo("origin_not_allowed");
        }
    }

    @Test
    void anApiKeyWithWriteMintsAndOneWithoutIsRefused() {
        Reply withWrite = mint("{}", APP, broker.createKey("write"));
        assertThat(withWrite.status()).isEqualTo(201);
        assertThat(withWrite.json()).containsEntry("origin", APP);
        Reply readOnly = mint("{}", APP, broker.createKey("read"));
        assertThat(readOnly.status()).isEqualTo(403);
        assertThat(readOnly.code()).isEqualTo("insufficient_permissions");
        assertThat(mint("{}", APP, "not-a-credential").status()).isEqualTo(401);
    }
}

package dev.ephemera.compat;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ephemera.support.Broker;
import dev.ephemera.support.Broker.Reply;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** The OpenAI-compatible mint: its shape, its clamping, its locks, its errors. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ClientSecretsTest {

    private Broker broker;
    private String key;

    @BeforeAll
    void start() {
        broker = Broker.inMemory(Map.of());
        key = broker.createKey("write", "read");
    }

    @AfterAll
    void stop() {
        broker.close();
    }

    @Test
    void mintsAOneUseOpenAiTokenWithTheSessionLocked() {
        Reply r = broker.postJson("/v1/realtime/client_secrets", key, Map.of(
                "expires_after", Map.of("anchor", "created_at", "seconds", 7200),
                "session", Map.of("type", "realtime", "model", "gpt-realtime", "instructions", "Be brief.")));
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.string("value")).startsWith("eph_");
        assertThat(r.number("expires_at") - System.currentTimeMillis() / 1000).as("clamped to max-ttl")
                .isBetween(595L, 601L);
        assertThat(r.json().get("session").toString()).contains("gpt-realtime", "Be brief.");
        Reply seen = broker.introspect(key, r.string("value"));
        assertThat(seen.json()).containsEntry("provider", "openai").containsEntry("model", "gpt-realtime")
                .containsEntry("max_uses", 1).containsEntry("locked_fields", List.of("instructions"));
    }

    @Test
    void refusesWhatOpenAiWouldRefuse() {
        Reply anchor = broker.postJson("/v1/realtime/client_secrets", key,
                Map.of("expires_after", Map.of("anchor", "now", "seconds", 60)));
        assertThat(anchor.code()).isEqualTo("invalid_request");
        assertThat(((Map<?, ?>) anchor.json().get("error")).get("param")).isEqualTo("expires_after.anchor");
        Reply seconds = broker.postJson("/v1/realtime/client_secrets", key,
                Map.of("expires_after", Map.of("seconds", 5)));
        assertThat(((Map<?, ?>) seconds.json().get("error")).get("param")).isEqualTo("expires_after.seconds");
        Reply unknown = broker.postJson("/v1/realtime/client_secrets", key,
                Map.of("expires_after", Map.of("seconds", 60, "colour", "red")));
        assertThat(((Map<?, ?>) unknown.json().get("error")).get("param")).isEqualTo("expires_after.colour");
        Reply fraction = broker.postJson("/v1/realtime/client_secrets", key,
                Map.of("expires_after", Map.of("seconds", 60.5)));
        assertThat(((Map<?, ?>) fraction.json().get("error")).get("param")).isEqualTo("expires_after.seconds");
        for (String model : new String[] {"", " ", "gpt\u0000", "gpt\r\nx"}) {
            Reply named = broker.postJson("/v1/realtime/client_secrets", key, Map.of("session",
                    Map.of("type", "realtime", "model", model)));
            assertThat(named.status()).as("model %s", model).isEqualTo(400);
            assertThat(((Map<?, ?>) named.json().get("error")).get("param")).isEqualTo("session.model");
        }
        assertThat(broker.postJson("/v1/realtime/client_secrets", null, Map.of()).code())
                .isEqualTo("missing_api_key");
    }
}

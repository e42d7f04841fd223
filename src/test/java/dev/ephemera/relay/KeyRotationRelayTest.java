package dev.ephemera.relay;

import static org.awaitility.Awaitility.await;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ephemera.support.Broker;
import dev.ephemera.support.FakeUpstream;
import dev.ephemera.support.TestRedis;
import dev.ephemera.support.WsClient;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.MediaType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A provider key rotated through its file and the secondary key: relays keep working, with no restart. */
class KeyRotationRelayTest {

    @TempDir
    Path dir;

    @Test
    void relaysFollowTheKeyFromPrimaryToSecondaryToANewPrimary() throws Exception {
        Path keyFile = dir.resolve("openai-key");
        Files.writeString(keyFile, "sk-test-primary-1");
        // The key changes during the test, which checks each one the provider saw itself.
        try (FakeUpstream fake = new FakeUpstream().acceptAnyKey("openai");
                Broker broker = Broker.onRedis(TestRedis.uri(), Map.of(
                        "ephemera.providers.openai.base-url", fake.base("openai"),
                        "ephemera.providers.openai.api-key", "",
                        "ephemera.providers.openai.api-key-file", keyFile.toString(),
                        "ephemera.providers.openai.secondary-api-key", "sk-test-secondary-2"))) {
            String key = broker.createKey("write");
            assertThat(relayOnce(broker, key, fake)).isEqualTo("Bearer sk-test-primary-1");

            Files.delete(keyFile);
            // The key file is re-read at most once a second.
            await().atMost(java.time.Duration.ofSeconds(10)).until(() -> relayOnce(broker, key, fake),
                    "Bearer sk-test-secondary-2"::equals);

            Files.writeString(keyFile, "sk-test-primary-3");
            await().atMost(java.time.Duration.ofSeconds(10)).until(() -> relayOnce(broker, key, fake),
                    "Bearer sk-test-primary-3"::equals);

            String token = broker.mint(key, Map.of("provider", "openai")).string("value");
            WsClient ws = WsClient.connect(broker.url().replaceFirst("^http", "ws") + "/v1/realtime",
                    List.of("ephemera", "ephemera-token." + token), Map.of());
            ws.socket.sendText(RealtimeRelayTest.PING, true).get();
            assertThat(ws.next().text()).isEqualTo(RealtimeRelayTest.PING);
            assertThat(fake.recorder().last().header("Authorization")).isEqualTo("Bearer sk-test-primary-3");
        }
    }

    /** One relayed request; returns the Authorization header the provider saw. */
    private static String relayOnce(Broker broker, String key, FakeUpstream fake) {
        String token = broker.mint(key, Map.of("provider", "openai")).string("value");
        var reply = broker.send(HttpRequest.POST("/v1/proxy/openai/chat/completions", "{}")
                .contentType(MediaType.APPLICATION_JSON_TYPE).bearerAuth(token));
        assertThat(reply.status()).isEqualTo(200);
        return fake.recorder().last().header("Authorization");
    }
}

package dev.ephemera;

import static org.awaitility.Awaitility.await;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ephemera.support.Broker;
import dev.ephemera.support.Broker.Reply;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * API keys over HTTP: permissions, creation, rotation, revocation, expiry, restrictions (SPEC §3, §5), run against
 * every store (SPEC §2: one contract for both): {@link RedisApiTest} and {@link InMemoryApiTest}. Real HTTP through
 * the Micronaut client; time moved with the broker's injected clock.
 */
abstract class AbstractApiKeyApiTest extends ApiContract {

    @Test
    void readKeyMayNotMintAndWriteKeyMayNotAdminister() {
        Reply mint = broker.postJson("/v1/tokens", reader, Map.of("provider", "openai"));
        assertThat(mint.status()).isEqualTo(403);
        assertThat(mint.code()).isEqualTo("insufficient_permissions");
        assertThat(broker.get("/v1/admin/keys", writer).code()).isEqualTo("insufficient_permissions");
    }

    @Test
    void createdKeyIsShownOnceAndNeverListed() {
        Reply created = broker.postJson("/v1/admin/keys", Broker.ADMIN_KEY, Map.of("name", "svc",
                "permissions", List.of("write"), "expires_in", 3600, "rate_limit_per_minute", 100));
        assertThat(created.status()).isEqualTo(201);
        String key = created.string("key");
        assertThat(key).startsWith("ephk_").hasSize(70);
        assertThat(created.string("id")).isEqualTo("key_" + key.substring(5, 21));
        assertThat(created.number("expires_at") - created.number("created_at")).isEqualTo(3600);
        Reply listed = broker.get("/v1/admin/keys", Broker.ADMIN_KEY);
        Reply one = broker.get("/v1/admin/keys/" + created.string("id"), Broker.ADMIN_KEY);
        assertThat(one.json()).containsEntry("name", "svc").doesNotContainKey("key");
        assertThat(listed.body()).contains(created.string("id")).doesNotContain(key.substring(21));
        assertThat(one.body()).doesNotContain(key.substring(21));
        assertThat(broker.get("/v1/admin/keys/key_AAAAAAAAAAAAAAAA", Broker.ADMIN_KEY).code())
                .isEqualTo("not_found");
    }

    @Test
    void rotatedKeyKeepsTheOldSecretForTheGracePeriodOnly() {
        Reply created = broker.postJson("/v1/admin/keys", Broker.ADMIN_KEY,
                Map.of("name", "rot", "permissions", List.of("write")));
        String id = created.string("id");
        String old = created.string("key");
        Reply rotated = broker.postJson("/v1/admin/keys/" + id + "/rotate", Broker.ADMIN_KEY,
                Map.of("grace_seconds", 30));
        String fresh = rotated.string("key");
        assertThat(fresh).isNotEqualTo(old).startsWith("ephk_" + id.substring(4));
        assertThat(broker.postJson("/v1/tokens", old, Map.of("provider", "openai")).status()).isEqualTo(201);
        assertThat(broker.postJson("/v1/tokens", fresh, Map.of("provider", "openai")).status()).isEqualTo(201);
        broker.clock().advance(Duration.ofSeconds(31));
        try {
            assertThat(broker.postJson("/v1/tokens", old, Map.of("provider", "openai")).code())
                    .isEqualTo("invalid_api_key");
            assertThat(broker.postJson("/v1/tokens", fresh, Map.of("provider", "openai")).status()).isEqualTo(201);
        } finally {
            broker.clock().advance(Duration.ofSeconds(-31));
        }
    }

    @Test
    void revokedKeyIsRefusedAndCascadeRevokesItsTokens() {
        Reply created = broker.postJson("/v1/admin/keys", Broker.ADMIN_KEY,
                Map.of("name", "doomed", "permissions", List.of("write", "read")));
        String key = created.string("key");
        String a = broker.mint(key, body("provider", "openai")).string("value");
        String b = broker.mint(key, body("provider", "openai", "format", "jwt")).string("value");
        Reply revoked = broker.delete("/v1/admin/keys/" + created.string("id") + "?cascade=true", Broker.ADMIN_KEY);
        assertThat(revoked.status()).isEqualTo(200);
        assertThat(revoked.number("revoked_tokens")).isEqualTo(2);
        assertThat(revoked.json()).containsKey("revoked_at");
        assertThat(broker.postJson("/v1/tokens", key, Map.of("provider", "openai")).code())
                .isEqualTo("revoked_api_key");
        assertThat(broker.consume(writer, a).code()).isEqualTo("invalid_token");
        assertThat(broker.consume(writer, b).code()).isEqualTo("invalid_token");
    }

    @Test
    void expiredKeyIsRefused() {
        String key = broker.postJson("/v1/admin/keys", Broker.ADMIN_KEY,
                Map.of("name", "short", "permissions", List.of("write"), "expires_in", 60)).string("key");
        assertThat(broker.postJson("/v1/tokens", key, Map.of("provider", "openai")).status()).isEqualTo(201);
        broker.clock().advance(Duration.ofSeconds(61));
        try {
            assertThat(broker.postJson("/v1/tokens", key, Map.of("provider", "openai")).code())
                    .isEqualTo("expired_api_key");
        } finally {
            broker.clock().advance(Duration.ofSeconds(-61));
        }
    }

    @Test
    void keyRecordsWhenItWasLastUsed() {
        Reply created = broker.postJson("/v1/admin/keys", Broker.ADMIN_KEY,
                Map.of("name", "used", "permissions", List.of("read")));
        assertThat(created.json()).doesNotContainKey("last_used_at");
        broker.introspect(created.string("key"), "x");
        // Recorded after the answer, off the request's path.
        await().atMost(java.time.Duration.ofSeconds(10)).until(() -> broker.get("/v1/admin/keys/"
                + created.string("id"), Broker.ADMIN_KEY).json().get("last_used_at") != null);
    }

    @Test
    void keyRestrictionsBindWhatItMints() {
        String key = broker.postJson("/v1/admin/keys", Broker.ADMIN_KEY, Map.of("name", "narrow",
                "permissions", List.of("write"), "allowed_providers", List.of("openai"),
                "allowed_origins", List.of("https://app.example.com"))).string("key");
        assertThat(broker.postJson("/v1/tokens", key, Map.of("provider", "anthropic",
                "origin", "https://app.example.com")).code()).isEqualTo("provider_not_allowed");
        assertThat(broker.postJson("/v1/tokens", key, Map.of("provider", "openai",
                "origin", "https://evil.example")).code()).isEqualTo("origin_not_allowed");
        assertThat(broker.postJson("/v1/tokens", key, Map.of("provider", "openai")).code())
                .isEqualTo("origin_not_allowed");
        assertThat(broker.postJson("/v1/tokens", key, Map.of("provider", "openai",
                "origin", "https://app.example.com")).status()).isEqualTo(201);
    }
}

package dev.ephemera.audit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ephemera.support.Broker;
import dev.ephemera.support.Broker.Reply;
import dev.ephemera.support.LogCapture;
import io.micronaut.json.JsonMapper;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** SPEC §8: one JSON audit line per mint, redeem, revoke and key change, with ids and never a secret. */
class AuditTrailTest {

    @Test
    void everyMintRedeemRevokeAndKeyChangeLeavesOneLineWithIdsAndNoSecret() throws IOException {
        try (LogCapture logs = new LogCapture(); Broker broker = Broker.inMemory(Map.of())) {
            Reply created = broker.postJson("/v1/admin/keys", Broker.ADMIN_KEY, Map.of("name", "audited",
                    "permissions", List.of("read", "write")));
            String key = created.string("key");
            String keyId = created.string("id");
            Reply minted = broker.mint(key, Map.of("provider", "openai", "max_uses", 2));
            String token = minted.string("value");
            assertThat(broker.consume(key, token).status()).isEqualTo(200);
            assertThat(broker.postForm("/v1/tokens/revoke", key, "token=" + token).status()).isEqualTo(200);
            Reply second = broker.mint(key, Map.of("provider", "openai"));
            assertThat(broker.delete("/v1/tokens/" + second.string("id"), key).status()).isEqualTo(204);
            String rotated = broker.postJson("/v1/admin/keys/" + keyId + "/rotate", Broker.ADMIN_KEY, Map.of())
                    .string("key");
            assertThat(broker.delete("/v1/admin/keys/" + keyId, Broker.ADMIN_KEY).status()).isEqualTo(200);

            List<Map<String, Object>> lines = audit(logs, broker.context().getBean(JsonMapper.class));
            assertThat(lines).extracting(l -> l.get("event")).containsExactly("key.created", "token.minted",
                    "token.redeemed", "token.revoked", "token.minted", "token.revoked", "key.rotated", "key.revoked");
            assertThat(lines.get(1)).containsEntry("token_id", minted.string("id")).containsEntry("actor", keyId)
                    .containsEntry("provider", "openai").containsKey("client_ip");
            assertThat(lines.get(2)).containsEntry("token_id", minted.string("id"));
            assertThat(lines.get(3)).containsEntry("token_id", minted.string("id")).containsEntry("by", "value");
            assertThat(lines.get(5)).containsEntry("token_id", second.string("id")).containsEntry("by", "id");
            for (Map<String, Object> line : lines) {
                assertThat(line).containsKey("ts").containsKey("actor");
            }
            assertThat(logs.all()).doesNotContain(key, token, rotated, Broker.ADMIN_KEY, second.string("value"));
        }
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> audit(LogCapture logs, JsonMapper json) throws IOException {
        List<Map<String, Object>> out = new java.util.ArrayList<>();
        for (String line : logs.all().split("\n")) {
            if (line.startsWith("ephemera.audit ")) {
                out.add(json.readValue(line.substring("ephemera.audit ".length()), Map.class));
            }
        }
        return out;
    }
}

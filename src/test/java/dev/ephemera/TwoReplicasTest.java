package dev.ephemera;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ephemera.support.Broker;
import dev.ephemera.support.Broker.Reply;
import dev.ephemera.support.TestRedis;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Two broker replicas on one Redis keep every promise of SPEC §4 between them: a standalone Redis here, a Sentinel
 * group and a Cluster in the subclasses.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TwoReplicasTest {

    private Broker a;
    private Broker b;
    private String keyOnA;

    @BeforeAll
    void start() {
        a = replica();
        b = replica();
        keyOnA = a.createKey("read", "write");
    }

    /** A broker replica on the store under test. */
    protected Broker replica() {
        return Broker.onRedis(TestRedis.uri(), Map.of());
    }

    @AfterAll
    void stop() {
        a.close();
        b.close();
    }

    @Test
    void tokenMintedOnOneReplicaIsIntrospectedConsumedAndRevokedOnTheOther() {
        String once = a.mint(keyOnA, Map.of("provider", "openai")).string("value");
        assertThat(b.introspect(keyOnA, once).json()).containsEntry("active", true);
        assertThat(b.consume(keyOnA, once).status()).isEqualTo(200);
        assertThat(a.consume(keyOnA, once).code()).isEqualTo("token_already_used");

        Reply twice = a.mint(keyOnA, Map.of("provider", "openai", "max_uses", 2, "format", "jwt"));
        assertThat(b.delete("/v1/tokens/" + twice.string("id"), keyOnA).status()).isEqualTo(204);
        assertThat(a.consume(keyOnA, twice.string("value")).code()).isEqualTo("invalid_token");
    }

    @Test
    void keyRevokedOnOneReplicaIsRefusedOnTheOtherAtTheNextRequest() {
        Reply created = a.postJson("/v1/admin/keys", Broker.ADMIN_KEY,
                Map.of("name", "replicated", "permissions", List.of("write")));
        String key = created.string("key");
        assertThat(b.postJson("/v1/tokens", key, Map.of("provider", "openai")).status()).isEqualTo(201);
        assertThat(a.delete("/v1/admin/keys/" + created.string("id"), Broker.ADMIN_KEY).status()).isEqualTo(200);
        assertThat(b.postJson("/v1/tokens", key, Map.of("provider", "openai")).code()).isEqualTo("revoked_api_key");
    }

    @ParameterizedTest(name = "max_uses {0}: {0} of 64 concurrent consumes succeed")
    @CsvSource({"1", "3"})
    void concurrentConsumesAcrossReplicasGrantExactlyTheUses(int maxUses) throws Exception {
        String token = a.mint(keyOnA, Map.of("provider", "openai", "max_uses", maxUses)).string("value");
        CountDownLatch go = new CountDownLatch(1);
        List<Future<Reply>> replies = new ArrayList<>();
        try (ExecutorService pool = Executors.newFixedThreadPool(64)) {
            for (int i = 0; i < 64; i++) {
                Broker replica = i % 2 == 0 ? a : b;
                replies.add(pool.submit(() -> {
                    go.await();
                    return replica.consume(keyOnA, token);
                }));
            }
            go.countDown();
            int granted = 0;
            int refused = 0;
            for (Future<Reply> reply : replies) {
                Reply r = reply.get();
                if (r.status() == 200) {
                    granted++;
                } else if ("token_already_used".equals(r.code())) {
                    refused++;
                }
            }
            assertThat(granted).isEqualTo(maxUses);
            assertThat(refused).isEqualTo(64 - maxUses);
        }
    }
}

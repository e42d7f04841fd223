package dev.ephemera.store.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ephemera.store.AbstractApiKeyStoreTest;
import dev.ephemera.store.AbstractTokenStoreTest;
import dev.ephemera.support.RedisTopologies;
import dev.ephemera.token.Binding;
import dev.ephemera.token.Redemption;
import dev.ephemera.token.TokenRecord;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The store contracts on a 3-master Redis Cluster, and what only a Cluster can get wrong. */
class RedisStoresOnClusterTest extends RedisStoresTest {

    @Override
    RedisEndpoint endpoint() {
        return RedisEndpoint.of("", RedisTopologies.sharedCluster(), SETTINGS.commandTimeout());
    }

    /** Every master forgets the scripts (a restart, SCRIPT FLUSH): they are loaded on the masters again. */
    @Test
    void scriptsForgottenOnEveryMasterAreLoadedAgain() {
        RedisTokenStore store = new RedisTokenStore(connector);
        for (int i = 0; i < 8; i++) {
            TokenRecord record = AbstractTokenStoreTest.record(1, Instant.now().plus(Duration.ofMinutes(1)));
            store.save(record).toCompletableFuture().join();
            for (String master : RedisTopologies.sharedCluster()) {
                String flushed = RedisTopologies.on(master, c -> c.scriptFlush());
                assertThat(flushed).isEqualTo("OK");
            }
            assertThat(store.consume(record.secretHash(), Binding.NONE, Instant.now()).toCompletableFuture().join()
                    .outcome()).isEqualTo(Redemption.Outcome.REDEEMED);
        }
    }

    /** The API key index is sharded: every master holds some of its shards, none holds them all. */
    @Test
    void apiKeyIndexShardsSpreadOverTheMasters() {
        RedisApiKeyStore keys = new RedisApiKeyStore(connector);
        for (int i = 0; i < 48; i++) {
            keys.create(AbstractApiKeyStoreTest.key()).toCompletableFuture().join();
        }
        for (String master : RedisTopologies.sharedCluster()) {
            List<String> shards = RedisTopologies.on(master, c -> c.keys("eph:keys:*"));
            assertThat(shards).as("index shards on %s", master).anyMatch(key -> key.startsWith("eph:keys:{"));
        }
    }
}

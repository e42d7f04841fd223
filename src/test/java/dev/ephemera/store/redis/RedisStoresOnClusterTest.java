package dev.ephemera.store.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ephemera.session.TokenFacts;
import dev.ephemera.store.AbstractApiKeyStoreTest;
import dev.ephemera.store.AbstractTokenStoreTest;
import dev.ephemera.store.SessionFixtures;
import dev.ephemera.store.StoreUnavailableException;
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

    /**
     * One master forgot the scripts (it restarted) while another did not: a pipeline whose scripts ran on one master
     * and not on the other is not sent again whole (its usage and the release of its reservation would count twice
     * where they ran); it fails once, the scripts are loaded, and the next one counts once.
     */
    @Test
    void aPipelineThatRanInPartIsNotSentAgain() {
        RedisSessionStore store = new RedisSessionStore(connector, JSON, java.time.Clock.systemUTC());
        java.time.LocalDate day = java.time.LocalDate.of(2026, 1, 1);
        TokenFacts token;
        do {
            token = SessionFixtures.token(1);
        } while (master(RedisSessionStore.receiptKey(token.id())) == master("eph:day:{" + token.keyId() + "}:" + day));
        TokenFacts t = token;
        now(store.add(null, t, SessionFixtures.response(10), day));
        RedisTopologies.on(RedisTopologies.sharedCluster().get(master("eph:day:{" + t.keyId() + "}:" + day)),
                c -> c.scriptFlush());
        assertThatThrownBy(() -> now(store.add(null, t, SessionFixtures.response(10), day)))
                .hasCauseInstanceOf(StoreUnavailableException.class);
        now(store.add(null, t, SessionFixtures.response(10), day));
        assertThat(now(store.usage(t.id())).totalTokens()).as("ran on its master each time").isEqualTo(30L);
        assertThat(now(store.day(t.keyId(), day)).totalTokens()).as("refused once by its master").isEqualTo(20L);
    }

    /** The index of the master serving {@code key} in {@link RedisTopologies#sharedCluster()}. */
    private static int master(String key) {
        return io.lettuce.core.cluster.SlotHash.getSlot(key) * 3 / 16384;
    }

    private static <T> T now(java.util.concurrent.CompletionStage<T> stage) {
        return stage.toCompletableFuture().join();
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

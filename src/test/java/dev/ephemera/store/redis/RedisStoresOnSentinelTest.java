package dev.ephemera.store.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ephemera.store.AbstractTokenStoreTest;
import dev.ephemera.store.StoreUnavailableException;
import dev.ephemera.support.RedisTopologies;
import dev.ephemera.token.Binding;
import dev.ephemera.token.Redemption;
import dev.ephemera.token.TokenRecord;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;

/** The store contracts on a Redis Sentinel group (a master and one replica), and acknowledged redemptions. */
class RedisStoresOnSentinelTest extends RedisStoresTest {

    @Override
    RedisEndpoint endpoint() {
        return RedisEndpoint.of(RedisTopologies.sharedSentinel().uri(), List.of(), SETTINGS.commandTimeout());
    }

    @Test
    void aUseAcknowledgedByTheReplicaIsGranted() {
        RedisTokenStore store = new RedisTokenStore(connector, 1, SETTINGS);
        TokenRecord record = AbstractTokenStoreTest.record(1, Instant.now().plus(Duration.ofMinutes(1)));
        store.save(record).toCompletableFuture().join();
        assertThat(store.consume(record.secretHash(), Binding.NONE, Instant.now()).toCompletableFuture().join()
                .outcome()).isEqualTo(Redemption.Outcome.REDEEMED);
    }

    /** Two replicas asked of a group that has one: the redemption fails closed, and the use stays taken. */
    @Test
    void aUseTheReplicasDoNotAcknowledgeIsRefusedAndStaysTaken() {
        RedisTokenStore store = new RedisTokenStore(connector, 2, SETTINGS);
        TokenRecord record = AbstractTokenStoreTest.record(1, Instant.now().plus(Duration.ofMinutes(1)));
        store.save(record).toCompletableFuture().join();
        assertThatThrownBy(() -> store.consume(record.secretHash(), Binding.NONE, Instant.now())
                .toCompletableFuture().join()).isInstanceOf(CompletionException.class)
                .hasCauseInstanceOf(StoreUnavailableException.class);
        assertThat(new RedisTokenStore(connector).consume(record.secretHash(), Binding.NONE, Instant.now())
                .toCompletableFuture().join().outcome()).isEqualTo(Redemption.Outcome.USED_UP);
    }
}

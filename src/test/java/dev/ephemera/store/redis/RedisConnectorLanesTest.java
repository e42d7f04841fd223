package dev.ephemera.store.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ephemera.store.StoreUnavailableException;
import dev.ephemera.support.TestRedis;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.output.StatusOutput;
import io.lettuce.core.protocol.CommandArgs;
import io.lettuce.core.protocol.CommandType;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.util.concurrent.EventExecutor;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The connector's lanes: a command sent from a server event loop goes over that loop's own connection and is
 * answered on that loop; a blocking call made on a loop goes over the shared connection instead of waiting for a
 * reply that only its own blocked thread could read.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RedisConnectorLanesTest {

    private EventLoopGroup loops;
    private RedisConnector connector;

    @BeforeAll
    void start() {
        loops = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
        connector = new RedisConnector(TestRedis.ownUri(),
                new RedisSettings(Duration.ofSeconds(1), Duration.ofSeconds(1), 1000), loops);
    }

    @AfterAll
    void stop() throws InterruptedException {
        connector.close();
        loops.shutdownGracefully(0, 1, TimeUnit.SECONDS).await(5, TimeUnit.SECONDS);
    }

    private static Thread threadOf(EventExecutor loop) throws Exception {
        CompletableFuture<Thread> thread = new CompletableFuture<>();
        loop.execute(() -> thread.complete(Thread.currentThread()));
        return thread.get(5, TimeUnit.SECONDS);
    }

    @Test
    void aCommandFromAnEventLoopIsAnsweredOnThatLoop() throws Exception {
        for (EventExecutor loop : loops) {
            CompletableFuture<Thread> answeredOn = new CompletableFuture<>();
            loop.execute(() -> connector.callAsync(r -> r.ping()).whenComplete((pong, failure) -> {
                if (failure != null) {
                    answeredOn.completeExceptionally(failure);
                } else {
                    answeredOn.complete(Thread.currentThread());
                }
            }));
            assertThat(answeredOn.get(5, TimeUnit.SECONDS)).isSameAs(threadOf(loop));
        }
    }

    @Test
    void everyCommandOfOnePassOfTheLoopIsSentAndAnsweredInOrder() throws Exception {
        String key = "eph:test:lanes:" + UUID.randomUUID();
        CompletableFuture<List<Long>> counts = new CompletableFuture<>();
        loops.next().execute(() -> {
            // 500 commands in one task: written without a flush each, sent by the one flush queued behind it.
            List<CompletableFuture<Long>> sent = new ArrayList<>();
            for (int i = 0; i < 500; i++) {
                sent.add(connector.<Long>callAsync(r -> r.incr(key)).toCompletableFuture());
            }
            CompletableFuture.allOf(sent.toArray(CompletableFuture[]::new)).whenComplete((all, failure) -> {
                if (failure != null) {
                    counts.completeExceptionally(failure);
                } else {
                    counts.complete(sent.stream().map(CompletableFuture::join).toList());
                }
            });
        });
        List<Long> values = counts.get(10, TimeUnit.SECONDS);
        assertThat(values).hasSize(500);
        for (int i = 0; i < 500; i++) {
            assertThat(values.get(i)).isEqualTo(i + 1L);
        }
        connector.callAsync(r -> r.del(key)).toCompletableFuture().join();
    }

    @Test
    void asynchronousCallsFromOtherThreadsUseTheSharedConnection() throws Exception {
        CompletionStage<String> pong = connector.callAsync(r -> r.ping());
        assertThat(pong.toCompletableFuture().get(5, TimeUnit.SECONDS)).isEqualTo("PONG");
        assertThat(connector.allReachable().toCompletableFuture().get(5, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void aCommandRedisLeavesUnansweredFailsAsUnavailableWhenItsTimeoutPasses() throws Exception {
        RedisConnector quick = new RedisConnector(TestRedis.ownUri(),
                new RedisSettings(Duration.ofMillis(200), Duration.ofSeconds(1), 1000), loops);
        EventExecutor loop = loops.next();
        String key = "eph:test:lanes:" + UUID.randomUUID();
        try {
            assertThat(onLoop(loop, () -> quick.callAsync(r -> r.ping())).get(5, TimeUnit.SECONDS)).isEqualTo("PONG");
            // Redis holds every write for 3 s: without the command timeout the INCR below would succeed then.
            connector.callAsync(r -> r.dispatch(CommandType.CLIENT, new StatusOutput<>(StringCodec.UTF8),
                    new CommandArgs<>(StringCodec.UTF8).add("PAUSE").add(3000).add("WRITE")))
                    .toCompletableFuture().join();
            CompletableFuture<Long> stalled = onLoop(loop, () -> quick.<Long>callAsync(r -> r.incr(key)));
            assertThatThrownBy(() -> stalled.get(2, TimeUnit.SECONDS))
                    .isInstanceOf(ExecutionException.class)
                    .hasCauseInstanceOf(StoreUnavailableException.class);
        } finally {
            connector.callAsync(r -> r.dispatch(CommandType.CLIENT, new StatusOutput<>(StringCodec.UTF8),
                    new CommandArgs<>(StringCodec.UTF8).add("UNPAUSE"))).toCompletableFuture().join();
            quick.close();
        }
        connector.callAsync(r -> r.del(key)).toCompletableFuture().join();
    }

    /** Starts {@code call} on {@code loop}, so that it goes over that loop's lane. */
    private static <T> CompletableFuture<T> onLoop(EventExecutor loop, Supplier<CompletionStage<T>> call) {
        CompletableFuture<T> result = new CompletableFuture<>();
        loop.execute(() -> call.get().whenComplete((value, failure) -> {
            if (failure != null) {
                result.completeExceptionally(failure);
            } else {
                result.complete(value);
            }
        }));
        return result;
    }
}

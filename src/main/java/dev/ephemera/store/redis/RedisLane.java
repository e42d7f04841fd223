package dev.ephemera.store.redis;

import dev.ephemera.async.Stages;
import dev.ephemera.logging.RepeatedLog;
import dev.ephemera.store.StoreUnavailableException;
import io.lettuce.core.resource.EventLoopGroupProvider;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.EventExecutorGroup;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One Redis connection of {@link RedisConnector}, opened on first use, and the event loop it is bound to (null:
 * Lettuce's own, for the shared connection).
 */
final class RedisLane {

    private static final Logger LOG = LoggerFactory.getLogger(RedisLane.class);
    private static final RepeatedLog REPEATED = new RepeatedLog(LOG);
    /** After a failed connect, callers fail fast for this long instead of each waiting for a connect timeout. */
    private static final long RETRY_AFTER_NANOS = TimeUnit.MILLISECONDS.toNanos(250);

    private final EventLoop loop;
    private final RedisEndpoint.Client client;
    private volatile CompletableFuture<RedisEndpoint.Connection> ready;
    private long lastFailedConnect;
    /** Whether a flush is queued; touched only on the lane's loop. */
    private boolean flushScheduled;

    RedisLane(EventLoop loop, RedisEndpoint.Client client) {
        this.loop = loop;
        this.client = client;
    }

    RedisEndpoint.Client client() {
        return client;
    }

    /** Whether the calling thread is this lane's event loop. */
    boolean isOnThisThread() {
        return loop != null && loop.inEventLoop();
    }

    /**
     * On a lane, commands are written without a flush, and one flush is queued behind the loop's current work:
     * every command that the requests of one pass of the loop send leaves in one system call, not one each.
     */
    void flushSoon() {
        if (loop == null) {
            return;
        }
        if (!loop.inEventLoop()) {
            loop.execute(this::flush);
        } else if (!flushScheduled) {
            flushScheduled = true;
            loop.execute(this::flush);
        }
    }

    private void flush() {
        flushScheduled = false;
        CompletableFuture<RedisEndpoint.Connection> current = ready;
        if (current != null && current.isDone() && !current.isCompletedExceptionally()) {
            current.join().stateful().flushCommands();
        }
    }

    /** The connection, or the connect under way; fails at once within 250 ms of a failed connect. */
    CompletableFuture<RedisEndpoint.Connection> connect() {
        CompletableFuture<RedisEndpoint.Connection> current = ready;
        return current != null ? current : startConnect();
    }

    private synchronized CompletableFuture<RedisEndpoint.Connection> startConnect() {
        if (ready != null) {
            return ready;
        }
        if (lastFailedConnect != 0 && System.nanoTime() - lastFailedConnect < RETRY_AFTER_NANOS) {
            return CompletableFuture.failedFuture(new StoreUnavailableException());
        }
        CompletableFuture<RedisEndpoint.Connection> attempt = new CompletableFuture<>();
        ready = attempt;
        client.connect().whenComplete((connection, e) -> {
            if (e == null) {
                lastFailedConnect = 0;
                if (loop != null) {
                    // Commands of one pass of the loop leave in one write: see flushSoon.
                    connection.stateful().setAutoFlushCommands(false);
                }
                attempt.complete(connection);
            } else {
                synchronized (this) {
                    lastFailedConnect = System.nanoTime();
                    ready = null;
                }
                REPEATED.warn("Cannot connect to Redis: {}", Stages.cause(e).getClass().getSimpleName());
                attempt.completeExceptionally(new StoreUnavailableException());
            }
        });
        return attempt;
    }

    void close() {
        CompletableFuture<RedisEndpoint.Connection> current = ready;
        if (current != null && current.isDone() && !current.isCompletedExceptionally()) {
            current.join().stateful().closeAsync();
        }
        client.lettuce().shutdownAsync(0, 2, TimeUnit.SECONDS);
    }

    /** Lettuce's event-loop provider for a lane: the one server loop, which Lettuce must never shut down. */
    record OneLoop(EventLoop loop) implements EventLoopGroupProvider {

        @Override
        @SuppressWarnings("unchecked")
        public <T extends EventLoopGroup> T allocate(Class<T> type) {
            return (T) loop;
        }

        @Override
        public int threadPoolSize() {
            return 1;
        }

        @Override
        public io.netty.util.concurrent.Future<Boolean> release(EventExecutorGroup group, long quietPeriod,
                long timeout, TimeUnit unit) {
            return loop.newSucceededFuture(true);
        }

        @Override
        public io.netty.util.concurrent.Future<Boolean> shutdown(long quietPeriod, long timeout, TimeUnit unit) {
            return loop.newSucceededFuture(true);
        }
    }
}

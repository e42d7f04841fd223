package dev.ephemera.store;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Consumer;

/**
 * What the store contract tests share: waiting for a store's answer, letting time pass as the store sees it, and
 * running calls at once to check a promise of atomicity.
 */
public abstract class StoreContract {

    private final Consumer<Duration> time;

    /**
     * {@code time} lets time pass for the store under test: an in-memory store's clock is moved, Redis's own clock
     * (which decides its expiries) is waited for ({@link #sleep}).
     */
    protected StoreContract(Consumer<Duration> time) {
        this.time = time;
    }

    /** Lets {@code duration} pass for the store under test. */
    protected final void elapse(Duration duration) {
        time.accept(duration);
    }

    /** The store's answer, waited for: these tests check what the store does, one step at a time. */
    protected static <T> T now(CompletionStage<T> stage) {
        return stage.toCompletableFuture().join();
    }

    /** Runs {@code calls} copies of {@code call} released together on 16 threads; their answers, in no order. */
    protected static <T> List<T> atOnce(int calls, Callable<T> call) throws Exception {
        CountDownLatch go = new CountDownLatch(1);
        List<Future<T>> futures = new ArrayList<>();
        try (ExecutorService pool = Executors.newFixedThreadPool(16)) {
            for (int i = 0; i < calls; i++) {
                futures.add(pool.submit(() -> {
                    go.await();
                    return call.call();
                }));
            }
            go.countDown();
            List<T> answers = new ArrayList<>();
            for (Future<T> f : futures) {
                answers.add(f.get());
            }
            return answers;
        }
    }

    /** Sleeps {@code time} of real time, for a store whose expiries run on Redis's clock. */
    public static void sleep(Duration time) {
        try {
            Thread.sleep(time.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}

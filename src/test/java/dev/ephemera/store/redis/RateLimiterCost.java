package dev.ephemera.store.redis;

import dev.ephemera.support.TestRedis;
import java.time.Duration;
import java.util.Arrays;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What one rate-limit decision costs: one Redis round trip (one EVALSHA); times 20,000 sequential decisions
 * after 5,000 of warm-up. Not a test: run it like {@code RelayLatency} (bench/README.md).
 */
public final class RateLimiterCost {

    private static final Logger LOG = LoggerFactory.getLogger(RateLimiterCost.class);

    private RateLimiterCost() {
    }

    public static void main(String[] args) {
        RedisConnector connector = new RedisConnector(TestRedis.uri(),
                new RedisSettings(Duration.ofSeconds(1), Duration.ofSeconds(1), 1000), java.util.List.of());
        RedisRateLimiter limiter = new RedisRateLimiter(connector);
        int warmup = 5_000;
        int samples = 20_000;
        long[] nanos = new long[samples];
        for (int i = 0; i < warmup + samples; i++) {
            long started = System.nanoTime();
            limiter.acquire("bench:" + (i % 100), 1_000_000, Duration.ofMinutes(1)).toCompletableFuture().join();
            if (i >= warmup) {
                nanos[i - warmup] = System.nanoTime() - started;
            }
        }
        Arrays.sort(nanos);
        LOG.warn(String.format("rate-limit decision, %d samples: median %.1f µs, p99 %.1f µs, 1 Redis round trip",
                samples, nanos[samples / 2] / 1000.0, nanos[samples * 99 / 100] / 1000.0));
        connector.close();
        System.exit(0);
    }
}

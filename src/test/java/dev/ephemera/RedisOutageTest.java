package dev.ephemera;

import static org.awaitility.Awaitility.await;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ephemera.support.Broker;
import dev.ephemera.support.LogCapture;
import dev.ephemera.support.Broker.Reply;
import dev.ephemera.support.Scrape;
import dev.ephemera.support.TcpProxy;
import dev.ephemera.support.TestRedis;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Redis goes away (the connection is cut and reconnects are refused) and comes back: the broker fails closed,
 * fast, says it is not ready, grants nothing twice and recovers on its own.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RedisOutageTest {

    private TcpProxy proxy;
    private Broker broker;
    private String key;

    @BeforeAll
    void start() {
        proxy = new TcpProxy(TestRedis.address());
        broker = Broker.onRedis(proxy.uri(), Map.of());
        key = broker.createKey("read", "write");
    }

    @AfterAll
    void stop() {
        broker.close();
        proxy.close();
    }

    @Test
    void failsClosedWhileRedisIsDownAndRecoversWithoutRestart() throws InterruptedException {
        String spent = broker.mint(key, Map.of("provider", "openai")).string("value");
        assertThat(broker.consume(key, spent).status()).isEqualTo(200);
        String unused = broker.mint(key, Map.of("provider", "openai")).string("value");
        Scrape before = Scrape.of(broker);

        proxy.cut();
        try {
            assertUnavailableWithin2s(() -> broker.postJson("/v1/tokens", key, Map.of("provider", "openai")));
            assertUnavailableWithin2s(() -> broker.consume(key, unused));
            assertUnavailableWithin2s(() -> broker.consume(key, spent));
            assertUnavailableWithin2s(() -> broker.introspect(key, unused));
            Reply readiness = broker.get("/health/readiness", null);
            assertThat(readiness.status()).isEqualTo(503);
            assertThat(broker.get("/health/liveness", null).status()).isEqualTo(200);
            Scrape during = Scrape.of(broker);
            assertThat(during.value("ephemera_redis_errors_total") - before.value("ephemera_redis_errors_total"))
                    .isGreaterThanOrEqualTo(4);
            String unavailable = "ephemera_requests_rejected_total{code=\"store_unavailable\"}";
            assertThat(during.value(unavailable) - before.value(unavailable)).isEqualTo(4);
        } finally {
            proxy.restore();
        }

        Reply ready = awaitReady();
        assertThat(ready.status()).isEqualTo(200);
        assertThat(broker.consume(key, spent).code()).isEqualTo("token_already_used");
        assertThat(broker.consume(key, unused).status()).isEqualTo(200);
        assertThat(broker.consume(key, unused).code()).isEqualTo("token_already_used");
        assertThat(broker.postJson("/v1/tokens", key, Map.of("provider", "openai")).status()).isEqualTo(201);
    }

    /** A failure that repeats under load is logged once per interval with a count; the metric counts each. */
    @Test
    void anOutageUnderLoadWritesABoundedNumberOfLogLines() throws Exception {
        Scrape before = Scrape.of(broker);
        try (LogCapture logs = new LogCapture()) {
            proxy.cut();
            try (var pool = java.util.concurrent.Executors.newFixedThreadPool(8)) {
                List<java.util.concurrent.Future<Integer>> replies = new java.util.ArrayList<>();
                for (int i = 0; i < 400; i++) {
                    replies.add(pool.submit(() -> broker.postJson("/v1/tokens", key,
                            Map.of("provider", "openai")).status()));
                }
                for (var reply : replies) {
                    assertThat(reply.get()).isEqualTo(503);
                }
            } finally {
                proxy.restore();
            }
            long lines = logs.all().lines().filter(l -> l.startsWith("dev.ephemera.store.redis")).count();
            // Before the throttle: one line per failure (over 400 here).
            assertThat(lines).as("Redis failure lines for 400 failed mints").isLessThanOrEqualTo(6L);
        }
        assertThat(Scrape.of(broker).value("ephemera_redis_errors_total")
                - before.value("ephemera_redis_errors_total")).isGreaterThanOrEqualTo(400);
        assertThat(awaitReady().status()).isEqualTo(200);
    }

    private void assertUnavailableWithin2s(Supplier<Reply> call) {
        long started = System.nanoTime();
        Reply reply = call.get();
        Duration took = Duration.ofNanos(System.nanoTime() - started);
        assertThat(reply.status()).isEqualTo(503);
        assertThat(reply.code()).isEqualTo("store_unavailable");
        assertThat(reply.json().toString()).doesNotContain("redis://");
        assertThat(took).isLessThan(Duration.ofSeconds(2));
    }

    private Reply awaitReady() {
        return await().atMost(Duration.ofSeconds(15)).until(() -> broker.get("/health/readiness", null),
                reply -> reply.status() == 200);
    }
}

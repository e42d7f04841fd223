package dev.ephemera.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ephemera.support.Broker;
import dev.ephemera.support.Broker.Reply;
import dev.ephemera.support.TestIssuer;
import dev.ephemera.support.TestRedis;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.MediaType;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/** Mint limits hold across replicas, with headers that tell the caller exactly when to retry. */
class RateLimitTest {

    private record Timed(Reply reply, long atMillis) {
    }

    @Test
    void burstOfAHundredOverTwoReplicasPassesExactlySixty() throws Exception {
        try (Broker a = Broker.onRedis(TestRedis.uri(), Map.of());
                Broker b = Broker.onRedis(TestRedis.uri(), Map.of())) {
            String key = a.postJson("/v1/admin/keys", Broker.ADMIN_KEY, Map.of("name", "limited",
                    "permissions", List.of("write"), "rate_limit_per_minute", 60)).string("key");
            CountDownLatch go = new CountDownLatch(1);
            List<Future<Timed>> replies = new ArrayList<>();
            long started;
            try (ExecutorService pool = Executors.newFixedThreadPool(20)) {
                for (int i = 0; i < 100; i++) {
                    Broker replica = i % 2 == 0 ? a : b;
                    replies.add(pool.submit(() -> {
                        go.await();
                        Reply r = replica.postJson("/v1/tokens", key, Map.of("provider", "openai"));
                        return new Timed(r, System.currentTimeMillis());
                    }));
                }
                started = System.currentTimeMillis();
                go.countDown();
                int passed = 0;
                int limited = 0;
                for (Future<Timed> f : replies) {
                    Timed t = f.get();
                    if (t.reply().status() == 201) {
                        passed++;
                    } else {
                        assertThat(t.reply().status()).isEqualTo(429);
                        assertThat(t.reply().code()).isEqualTo("rate_limit_exceeded");
                        long retryAfter = Long.parseLong(t.reply().headers().get("Retry-After"));
                        long expected = 60 - (t.atMillis() - started) / 1000;
                        assertThat(retryAfter).isBetween(expected - 1, expected + 1);
                        assertThat(t.reply().headers().get("RateLimit-Policy")).isEqualTo("60;w=60");
                        assertThat(t.reply().headers().get("RateLimit")).isEqualTo("limit=60, remaining=0, reset="
                                + retryAfter);
                        limited++;
                    }
                }
                assertThat(passed).isEqualTo(60);
                assertThat(limited).isEqualTo(40);
            }
        }
    }

    @Test
    void browserMintsAreLimitedPerUserAndPerAddress() {
        TestIssuer idp = new TestIssuer();
        Map<String, Object> config = new java.util.HashMap<>(idp.brokerConfig());
        config.put("ephemera.rate-limits.per-subject-per-minute", 2);
        config.put("ephemera.rate-limits.per-ip-per-minute", 3);
        try (Broker broker = Broker.inMemory(config)) {
            List<Integer> alice = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                alice.add(realtimeToken(broker, idp.user("alice")).status());
            }
            assertThat(alice).containsExactly(201, 201, 429);
            // Same address: its third and fourth mints in the minute exceed the per-address limit of 3.
            assertThat(realtimeToken(broker, idp.user("bob")).status()).isEqualTo(429);
        }
    }

    private static Reply realtimeToken(Broker broker, String jwt) {
        return broker.send(HttpRequest.POST("/realtime-token", "{}").contentType(MediaType.APPLICATION_JSON_TYPE)
                .header("Origin", "https://app.example.com").bearerAuth(jwt));
    }
}

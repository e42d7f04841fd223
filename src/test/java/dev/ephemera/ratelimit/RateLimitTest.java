package dev.ephemera.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ephemera.token.TokenStore;
import dev.ephemera.support.Broker;
import dev.ephemera.support.Broker.Reply;
import dev.ephemera.support.LogCapture;
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
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

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

    /**
     * An opaque token is stored while the rate limit is decided (one round trip to the store); a refused mint
     * must leave nothing behind, in either store.
     */
    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void aRefusedMintLeavesNoTokenInTheStore(boolean redis) {
        // Lists the store's keys: a Redis these tests started.
        try (Broker broker = redis ? Broker.onRedis(TestRedis.ownUri(), Map.of()) : Broker.inMemory(Map.of())) {
            Reply created = broker.postJson("/v1/admin/keys", Broker.ADMIN_KEY, Map.of("name", "one-a-minute",
                    "permissions", List.of("write"), "rate_limit_per_minute", 1));
            String key = created.string("key");
            assertThat(broker.mint(key, Map.of("provider", "openai")).status()).isEqualTo(201);
            for (String format : new String[] {"opaque", "jwt", "opaque"}) {
                Reply refused = broker.postJson("/v1/tokens", key, Map.of("provider", "openai", "format", format));
                assertThat(refused.status()).isEqualTo(429);
                assertThat(refused.body()).doesNotContain("eph_").doesNotContain("tok_");
            }
            TokenStore store = broker.context().getBean(TokenStore.class);
            // The store settles the discards after the replies; give it a moment.
            long deadline = System.currentTimeMillis() + 5_000;
            List<String> live = store.idsMintedBy(created.string("id"), broker.clock().instant())
                    .toCompletableFuture().join();
            while (live.size() != 1 && System.currentTimeMillis() < deadline) {
                live = store.idsMintedBy(created.string("id"), broker.clock().instant())
                    .toCompletableFuture().join();
            }
            assertThat(live).as("only the admitted mint's token is stored").hasSize(1);
            if (redis) {
                try (var client = io.lettuce.core.RedisClient.create(TestRedis.ownUri());
                        var connection = client.connect()) {
                    var records = connection.sync().keys("eph:tok:*");
                    List<String> mine = new ArrayList<>();
                    for (String record : records) {
                        if (created.string("id").equals(connection.sync().hget(record, "key"))) {
                            mine.add(record);
                        }
                    }
                    assertThat(mine).as("records of this key's tokens in Redis").hasSize(1);
                }
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

    /** SPEC §7: behind a trusted proxy each browser has its own per-address limit; otherwise the header is a lie. */
    @Test
    void perAddressLimitsCountTheBrowserBehindATrustedProxyAndIgnoreTheHeaderOtherwise() {
        TestIssuer idp = new TestIssuer();
        Map<String, Object> config = new java.util.HashMap<>(idp.brokerConfig());
        config.put("ephemera.rate-limits.per-ip-per-minute", 1);
        config.put("ephemera.trusted-proxies", List.of("127.0.0.0/8", "::1/128"));
        try (Broker behindIngress = Broker.inMemory(config); LogCapture logs = new LogCapture()) {
            assertThat(realtimeToken(behindIngress, idp.user("a"), "203.0.113.7").status()).isEqualTo(201);
            assertThat(logs.all()).as("the audit line names the browser").contains("\"client_ip\":\"203.0.113.7\"");
            assertThat(realtimeToken(behindIngress, idp.user("b"), "203.0.113.8").status()).isEqualTo(201);
            assertThat(realtimeToken(behindIngress, idp.user("c"), "203.0.113.7").status()).isEqualTo(429);
            // A browser's own X-Forwarded-For is left of what the ingress appends: the ingress's word counts.
            assertThat(realtimeToken(behindIngress, idp.user("d"), "198.51.100.1, 203.0.113.8").status())
                    .isEqualTo(429);
        }
        config.remove("ephemera.trusted-proxies");
        try (Broker direct = Broker.inMemory(config)) {
            assertThat(realtimeToken(direct, idp.user("a"), "203.0.113.7").status()).isEqualTo(201);
            assertThat(realtimeToken(direct, idp.user("b"), "203.0.113.8").status()).as("header not believed")
                    .isEqualTo(429);
        }
    }

    /**
     * Issue 27: behind a proxy that appends X-Forwarded-For, a browser's own Forwarded header was believed, so it
     * chose its per-address limit and its audit client_ip. Only the configured header is read.
     */
    @Test
    void aHeaderOtherThanTheConfiguredOneIsNeverBelieved() {
        TestIssuer idp = new TestIssuer();
        Map<String, Object> config = new java.util.HashMap<>(idp.brokerConfig());
        config.put("ephemera.rate-limits.per-ip-per-minute", 1);
        config.put("ephemera.trusted-proxies", List.of("127.0.0.0/8", "::1/128"));
        try (Broker behindIngress = Broker.inMemory(config); LogCapture logs = new LogCapture()) {
            assertThat(realtimeToken(behindIngress, idp.user("a"), "203.0.113.7", "for=198.51.100.1").status())
                    .isEqualTo(201);
            assertThat(logs.all()).contains("\"client_ip\":\"203.0.113.7\"").doesNotContain("198.51.100.1");
            assertThat(realtimeToken(behindIngress, idp.user("b"), "203.0.113.7", "for=198.51.100.2").status())
                    .as("the same browser, whatever its Forwarded says").isEqualTo(429);
        }
        config.put("ephemera.client-address-header", "Forwarded");
        try (Broker behindIngress = Broker.inMemory(config); LogCapture logs = new LogCapture()) {
            assertThat(realtimeToken(behindIngress, idp.user("a"), "198.51.100.1", "for=\"[2001:db8::9]:4711\"")
                    .status()).isEqualTo(201);
            assertThat(logs.all()).contains("\"client_ip\":\"2001:db8:0:0:0:0:0:9\"");
            assertThat(realtimeToken(behindIngress, idp.user("b"), "198.51.100.2", "for=\"[2001:db8::9]:4711\"")
                    .status()).as("X-Forwarded-For is not the configured header").isEqualTo(429);
        }
    }

    @Test
    void anUnknownClientAddressHeaderStopsTheBoot() {
        for (String bad : List.of("X-Forwarded-Host", "X-Forwarded-For, Forwarded", "")) {
            assertThatThrownBy(() -> Broker.inMemory(Map.of("ephemera.client-address-header", bad)).close())
                    .as(bad).hasStackTraceContaining("ephemera.client-address-header")
                    .hasStackTraceContaining("X-Forwarded-For, Forwarded, X-Real-IP");
        }
    }

    @Test
    void aTrustedProxyThatIsNoCidrBlockStopsTheBoot() {
        for (String bad : List.of("10.0.0.0/33", "proxy.internal", "10.0.0/8", "::1/129")) {
            assertThatThrownBy(() -> Broker.inMemory(Map.of("ephemera.trusted-proxies", List.of(bad))).close())
                    .as(bad).hasStackTraceContaining("ephemera.trusted-proxies");
        }
    }

    private static Reply realtimeToken(Broker broker, String jwt, String forwardedFor) {
        return broker.send(HttpRequest.POST("/realtime-token", "{}").contentType(MediaType.APPLICATION_JSON_TYPE)
                .header("Origin", "https://app.example.com").header("X-Forwarded-For", forwardedFor).bearerAuth(jwt));
    }

    private static Reply realtimeToken(Broker broker, String jwt, String forwardedFor, String forwarded) {
        return broker.send(HttpRequest.POST("/realtime-token", "{}").contentType(MediaType.APPLICATION_JSON_TYPE)
                .header("Origin", "https://app.example.com").header("X-Forwarded-For", forwardedFor)
                .header("Forwarded", forwarded).bearerAuth(jwt));
    }

    private static Reply realtimeToken(Broker broker, String jwt) {
        return broker.send(HttpRequest.POST("/realtime-token", "{}").contentType(MediaType.APPLICATION_JSON_TYPE)
                .header("Origin", "https://app.example.com").bearerAuth(jwt));
    }
}

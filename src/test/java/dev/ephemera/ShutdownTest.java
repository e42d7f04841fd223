package dev.ephemera;

import static org.awaitility.Awaitility.await;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ephemera.support.Broker;
import dev.ephemera.support.FakeUpstream;
import dev.ephemera.support.Processes;
import dev.ephemera.support.TestRedis;
import dev.ephemera.support.WsClient;
import io.lettuce.core.RedisClient;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * SIGTERM under mint load, against the broker as a process of its own: it stops taking requests before it closes
 * what requests need, so no request is answered 500 ("cannot be started once stopped" was the Redis client's timer,
 * stopped while HTTP was still served), drains realtime sessions (SPEC §8: told with 1001, readiness DOWN, new ones
 * refused), gives their places back, and exits once they have ended.
 */
class ShutdownTest {

    private static final String ADMIN = "shutdown-test-admin-key-0123456789abcdef";

    @Test
    void sigtermUnderMintLoadAnswersNo500AndExits() throws Exception {
        int port = TestRedis.freePort();
        Path log = Files.createTempFile("ephemera-shutdown", ".log");
        ProcessBuilder builder = Processes.builder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-XX:+ExitOnOutOfMemoryError", "-Xmx256m",
                "-cp", Processes.brokerClasspath(), "dev.ephemera.Application")
                .redirectErrorStream(true).redirectOutput(log.toFile());
        FakeUpstream fake = new FakeUpstream();
        builder.environment().putAll(Map.of("REDIS_URI", TestRedis.uri(), "EPHEMERA_ADMIN_KEY", ADMIN,
                "MICRONAUT_SERVER_PORT", Integer.toString(port), "OPENAI_API_KEY", Broker.OPENAI_KEY,
                "EPHEMERA_PROVIDERS_OPENAI_BASE_URL", fake.base("openai"),
                "EPHEMERA_RATE_LIMITS_PER_KEY_PER_MINUTE", "1000000", "EPHEMERA_RELAY_DRAIN_PERIOD", "30s"));
        Process broker = builder.start();
        try (fake; RedisClient redis = RedisClient.create(TestRedis.uri())) {
            String base = "http://127.0.0.1:" + port;
            HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
            awaitReady(http, base);
            String token = post(http, base + "/v1/tokens", "{\"provider\":\"openai\"}").replaceAll(
                    ".*\"value\":\"(eph_[A-Za-z0-9]+)\".*", "$1");
            String keyId = post(http, base + "/v1/tokens/introspect", "{\"token\":\"" + token + "\"}")
                    .replaceAll(".*\"client_id\":\"([^\"]+)\".*", "$1");
            WsClient session = WsClient.connect(base.replace("http", "ws") + "/v1/realtime",
                    List.of("ephemera", "ephemera-token." + token), Map.of());
            String later = post(http, base + "/v1/tokens", "{\"provider\":\"openai\"}").replaceAll(
                    ".*\"value\":\"(eph_[A-Za-z0-9]+)\".*", "$1");
            var places = redis.connect().sync();
            assertThat(places.zcard("eph:sess:{" + keyId + "}")).as("the session's place").isEqualTo(1);
            Map<Integer, AtomicInteger> statuses = new ConcurrentHashMap<>();
            AtomicInteger refused = new AtomicInteger();
            AtomicBoolean running = new AtomicBoolean(true);
            ExecutorService load = Executors.newFixedThreadPool(6);
            try {
                for (int i = 0; i < 6; i++) {
                    load.submit(() -> {
                        while (running.get()) {
                            try {
                                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base
                                        + "/v1/tokens")).header("Authorization", "Bearer " + ADMIN)
                                        .header("Content-Type", "application/json").timeout(Duration.ofSeconds(5))
                                        .POST(HttpRequest.BodyPublishers.ofString("{\"provider\":\"openai\"}"))
                                        .build(), HttpResponse.BodyHandlers.ofString());
                                statuses.computeIfAbsent(r.statusCode(), s -> new AtomicInteger()).incrementAndGet();
                            } catch (IOException e) {
                                refused.incrementAndGet();
                            }
                        }
                        return null;
                    });
                }
                Thread.sleep(1_500);  // mint load for a while, then the signal in the middle of it
                long signalled = System.nanoTime();
                broker.destroy();  // SIGTERM
                // The drain: the open session is told at once, readiness goes DOWN, no new session is taken,
                // mints go on; with its last session ended, the broker stops long before the 30 s drain period.
                assertThat(session.closeCode.get(10, TimeUnit.SECONDS)).as("told the broker goes away").isEqualTo(1001);
                // Readiness is DOWN while the broker drains; the drain may be over (the process gone) already.
                await().atMost(Duration.ofSeconds(10)).ignoreExceptions().until(() -> !broker.isAlive()
                        || http.send(HttpRequest.newBuilder(URI.create(base + "/health/readiness"))
                                .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.discarding())
                                .statusCode() == 503);
                Throwable refusedSession = org.assertj.core.api.Assertions.catchThrowable(() -> WsClient.connect(
                        base.replace("http", "ws") + "/v1/realtime", List.of("ephemera", "ephemera-token." + later),
                        Map.of()));
                if (refusedSession != null && refusedSession.getCause() instanceof java.net.http
                        .WebSocketHandshakeException handshake) {
                    assertThat(handshake.getResponse().statusCode()).as("a new session while draining").isEqualTo(503);
                } else {
                    assertThat(refusedSession).as("no session opened while draining").isNotNull();
                }
                assertThat(broker.waitFor(30, TimeUnit.SECONDS)).as("exited after SIGTERM").isTrue();
                assertThat(Duration.ofNanos(System.nanoTime() - signalled)).as("no wait for the drain period")
                        .isLessThan(Duration.ofSeconds(15));
                Thread.sleep(300);
            } finally {
                // Whatever failed above, the load stops: an executor that waits for endless tasks hangs the build.
                running.set(false);
                load.shutdown();
                assertThat(load.awaitTermination(30, TimeUnit.SECONDS)).as("load stopped").isTrue();
            }
            assertThat(statuses.get(201)).as("mints before the signal").isNotNull();
            assertThat(places.zcard("eph:sess:{" + keyId + "}")).as("place given back").isZero();
            assertThat(statuses.keySet()).as("statuses answered: " + statuses + "; log: " + tail(log))
                    .containsOnly(201);
            // Every mint answered has its audit line, the last ones too (written while the broker stopped).
            long minted = Files.readAllLines(log).stream().filter(line -> line.startsWith("{")
                    && line.contains("\"event\":\"token.minted\"")).count();
            assertThat(minted).as("audit lines of the mints answered (2 before the load; a mint whose answer was "
                    + "cut by the shutdown has its line too)").isGreaterThanOrEqualTo(statuses.get(201).get() + 2L);
        } finally {
            broker.destroyForcibly();
        }
    }

    private static String post(HttpClient http, String url, String json) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10))
                .header("Authorization", "Bearer " + ADMIN).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isBetween(200, 201);
        return r.body();
    }

    private static void awaitReady(HttpClient http, String base) {
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100)).ignoreExceptions()
                .until(() -> http.send(HttpRequest.newBuilder(URI.create(base + "/health/readiness")).build(),
                        HttpResponse.BodyHandlers.discarding()).statusCode() == 200);
    }

    private static String tail(Path log) throws IOException {
        List<String> lines = Files.readAllLines(log);
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
    }
}

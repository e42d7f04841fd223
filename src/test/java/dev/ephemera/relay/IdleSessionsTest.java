package dev.ephemera.relay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ephemera.support.Broker;
import dev.ephemera.support.FakeUpstream;
import dev.ephemera.support.Processes;
import dev.ephemera.support.TestRedis;
import dev.ephemera.support.WsClient;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * Many idle realtime sessions on a broker of its own (a process with a 256 MB heap): every one opens and the broker
 * stays live; the memory each takes is measured (heap after a full collection, and RSS) and written to the test's
 * output for the relay's sizing, not asserted: a number this machine's noise moves is no pass or fail. With
 * {@code -DargLine=-Dephemera.test.histogram=true} the broker's class histogram is written there too.
 */
class IdleSessionsTest {

    private static final String ADMIN = "idle-sessions-admin-key-0123456789abcdef";
    private static final int SESSIONS = 1000;

    @Test
    void aThousandIdleSessionsOpenAndTheirMemoryIsMeasured() throws Exception {
        int port = TestRedis.freePort();
        Path log = Files.createTempFile("ephemera-idle", ".log");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder builder = Processes.builder(java, "--enable-native-access=ALL-UNNAMED",
                "-XX:+ExitOnOutOfMemoryError", "-Xmx256m", "-cp", Processes.brokerClasspath(),
                "dev.ephemera.Application").redirectErrorStream(true).redirectOutput(log.toFile());
        List<WsClient> open = new ArrayList<>();
        try (FakeUpstream fake = new FakeUpstream()) {
            builder.environment().putAll(Map.of("REDIS_URI", TestRedis.uri(), "EPHEMERA_ADMIN_KEY", ADMIN,
                    "MICRONAUT_SERVER_PORT", Integer.toString(port), "OPENAI_API_KEY", Broker.OPENAI_KEY,
                    "EPHEMERA_PROVIDERS_OPENAI_BASE_URL", fake.base("openai"),
                    "EPHEMERA_RATE_LIMITS_PER_KEY_PER_MINUTE", "1000000",
                    "EPHEMERA_RATE_LIMITS_MAX_CONCURRENT_SESSIONS_PER_KEY", "100000"));
            Process broker = builder.start();
            try {
                String base = "http://127.0.0.1:" + port;
                HttpClient http = HttpClient.newHttpClient();
                await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() -> http.send(HttpRequest
                        .newBuilder(URI.create(base + "/health/readiness")).build(),
                        HttpResponse.BodyHandlers.discarding()).statusCode() == 200);
                // A key of its own: its sessions' places (left in the shared Redis when this broker is killed) must
                // not count against another test's key.
                String key = http.send(HttpRequest.newBuilder(URI.create(base + "/v1/admin/keys"))
                        .header("Authorization", "Bearer " + ADMIN).header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString("{\"name\":\"idle\",\"permissions\":[\"write\"]}"))
                        .build(), HttpResponse.BodyHandlers.ofString()).body()
                        .replaceAll(".*\"key\":\"(ephk_[A-Za-z0-9]+)\".*", "$1");
                long heapBefore = heapAfterGc(broker.pid());
                long rssBefore = rss(broker.pid());
                long started = System.nanoTime();
                for (int i = 0; i < SESSIONS; i++) {
                    String token = http.send(HttpRequest.newBuilder(URI.create(base + "/v1/tokens"))
                            .header("Authorization", "Bearer " + key).header("Content-Type", "application/json")
                            .POST(HttpRequest.BodyPublishers.ofString("{\"provider\":\"openai\"}")).build(),
                            HttpResponse.BodyHandlers.ofString()).body().replaceAll(
                                    ".*\"value\":\"(eph_[A-Za-z0-9]+)\".*", "$1");
                    open.add(WsClient.connect(base.replace("http", "ws") + "/v1/realtime",
                            List.of("ephemera", "ephemera-token." + token), Map.of()));
                }
                long openedMillis = (System.nanoTime() - started) / 1_000_000;
                long heapAfter = heapAfterGc(broker.pid());
                long rssAfter = rss(broker.pid());
                if (Boolean.getBoolean("ephemera.test.histogram")) {
                    Process histogram = Processes.builder(Path.of(System.getProperty("java.home"), "bin", "jcmd")
                            .toString(), Long.toString(broker.pid()), "GC.class_histogram").start();
                    LoggerFactory.getLogger(IdleSessionsTest.class).info("{}", new String(histogram.getInputStream()
                            .readAllBytes(), StandardCharsets.UTF_8).lines().limit(30)
                            .reduce("", (a, b) -> a + "\n" + b));
                }
                assertThat(open).allMatch(c -> !c.closeCode.isDone());
                assertThat(http.send(HttpRequest.newBuilder(URI.create(base + "/health/liveness")).build(),
                        HttpResponse.BodyHandlers.discarding()).statusCode()).isEqualTo(200);
                LoggerFactory.getLogger(IdleSessionsTest.class).info("{} idle sessions opened in {} ms: heap {} KB "
                        + "per session (after a full GC), RSS {} KB per session", SESSIONS, openedMillis,
                        (heapAfter - heapBefore) / 1024 / SESSIONS, (rssAfter - rssBefore) / 1024 / SESSIONS);
            } finally {
                open.forEach(c -> c.socket.abort());
                broker.destroyForcibly().waitFor();
            }
        }
    }

    /** The broker's used heap after a full collection, from jcmd. */
    private static long heapAfterGc(long pid) throws IOException, InterruptedException {
        String jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd").toString();
        Processes.builder(jcmd, Long.toString(pid), "GC.run").start().waitFor();
        Process info = Processes.builder(jcmd, Long.toString(pid), "GC.heap_info").redirectErrorStream(true)
                .start();
        String out = new String(info.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        info.waitFor();
        Matcher used = Pattern.compile("used (\\d+)K").matcher(out);
        assertThat(used.find()).as(out).isTrue();
        return Long.parseLong(used.group(1)) * 1024;
    }

    private static long rss(long pid) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("\\D", "")) * 1024;
            }
        }
        return 0;
    }
}

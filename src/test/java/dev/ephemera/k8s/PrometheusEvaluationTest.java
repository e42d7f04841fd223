package dev.ephemera.k8s;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ephemera.support.Broker;
import dev.ephemera.support.BrokerExtension;
import dev.ephemera.support.ExternalTools;
import dev.ephemera.support.HookReceiver;
import dev.ephemera.support.Processes;
import dev.ephemera.support.TestIssuer;
import dev.ephemera.support.TestRedis;
import dev.ephemera.support.WsClient;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.MediaType;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A real Prometheus (the local {@code prometheus}, on a free loopback port, its data in a temporary directory)
 * scraping a broker under a little load every second, with {@code k8s/monitoring/rules/ephemera-rules.yml} loaded and
 * evaluated every second: every rule evaluates without an error, every metric an alert, a recording rule or a
 * dashboard panel reads is one the broker exports (so a meter renamed in Java breaks the build, which promtool's unit
 * tests cannot see), and every dashboard query runs.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class PrometheusEvaluationTest {

    private static final Duration WAIT = Duration.ofSeconds(30);
    /** How long every metric read may take to appear: one scrape a second, and the load came before the first. */
    private static final Duration SCRAPED = Duration.ofSeconds(10);
    private static final int CLOSED = TestRedis.freePort();
    private static final TestIssuer IDP = new TestIssuer();
    private static final HookReceiver HOOKS = new HookReceiver();

    @RegisterExtension
    static final BrokerExtension ENV = BrokerExtension.inMemory().with(IDP.brokerConfigWithUnreachableJwks(CLOSED))
            .with(Map.of(
            "ephemera.webhooks.allow-private-targets", true,
            "ephemera.webhooks.first-retry", "200ms",
            "ephemera.providers.openai.allowed-endpoints", List.of("POST /chat/completions", "GET /fails")))
            .withFakeProvider(fake -> Map.of(
                    "ephemera.providers.openai.realtime-url", fake.websocketBase("sdk") + "/realtime"));

    private final HttpClient http = HttpClient.newHttpClient();
    private final ObjectMapper json = new ObjectMapper();
    private Path directory;
    private Process prometheus;
    private String api;


    @BeforeAll
    void start() throws Exception {
        Path binary = ExternalTools.require("ephemera.test.prometheus", "apt-get install prometheus", "prometheus");
        load(ENV.broker());
        directory = Files.createTempDirectory("ephemera-prometheus");
        int port = TestRedis.freePort();
        api = "http://127.0.0.1:" + port + "/api/v1/";
        Files.writeString(directory.resolve("prometheus.yml"), """
                global:
                  scrape_interval: 1s
                  evaluation_interval: 1s
                rule_files:
                  - %s
                scrape_configs:
                  - job_name: ephemera
                    metrics_path: /prometheus
                    static_configs:
                      - targets: ['%s']
                """.formatted(Monitoring.RULES.toAbsolutePath(), URI.create(ENV.broker().url()).getAuthority()));
        prometheus = Processes.builder(binary.toString(), "--config.file=" + directory.resolve("prometheus.yml"),
                        "--storage.tsdb.path=" + directory.resolve("data"),
                        "--web.listen-address=127.0.0.1:" + port, "--log.level=warn")
                .redirectErrorStream(true).redirectOutput(directory.resolve("prometheus.log").toFile()).start();
        await().atMost(WAIT).pollInterval(Duration.ofMillis(200)).ignoreExceptions().until(() ->
                get("query?query=" + URLEncoder.encode("up{job=\"ephemera\"}", StandardCharsets.UTF_8))
                        .path("data").path("result").path(0).path("value").path(1).asText().equals("1"));
    }

    /**
     * What puts every meter on the scrape: mints (one refused), a use, relayed requests (one a provider's 5xx), a
     * realtime session ended by the kill switch, a webhook delivered, a caller JWT whose issuer's JWKS fails.
     */
    @SuppressWarnings("unchecked")
    private static void load(Broker broker) throws Exception {
        String key = ENV.secret(broker.createKey("write", "read", "webhook"));
        assertThat(broker.postJson("/v1/webhooks", key, Map.of("url", HOOKS.url(), "events",
                List.of("token.minted"))).status()).isEqualTo(201);
        for (int i = 0; i < 3; i++) {
            broker.mint(key, Map.of("provider", "openai"));
        }
        assertThat(broker.postJson("/v1/tokens", key, Map.of("provider", "nobody")).code())
                .isEqualTo("unknown_provider");
        String used = ENV.secret(broker.mint(key, Map.of("provider", "openai")).string("value"));
        assertThat(broker.consume(key, used).status()).isEqualTo(200);
        String relayed = ENV.secret(broker.mint(key, Map.of("provider", "openai", "max_uses", 2)).string("value"));
        assertThat(broker.send(HttpRequest.POST("/v1/proxy/openai/chat/completions", "{\"model\":\"gpt-4o\","
                + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}").contentType(MediaType.APPLICATION_JSON_TYPE)
                .bearerAuth(relayed)).status()).isEqualTo(200);
        assertThat(broker.send(HttpRequest.GET("/v1/proxy/openai/fails").bearerAuth(relayed)).status())
                .isEqualTo(503);
        Broker.Reply minted = broker.mint(key, Map.of("provider", "openai", "model", "gpt-realtime"));
        WsClient session = WsClient.connect(broker.url().replaceFirst("^http", "ws") + "/v1/realtime",
                List.of("ephemera", "ephemera-token." + ENV.secret(minted.string("value"))), Map.of());
        await().atMost(WAIT).until(() -> ((List<Map<String, Object>>) broker.get("/v1/sessions", key).json()
                .get("data")).size() == 1);
        String id = (String) ((List<Map<String, Object>>) broker.get("/v1/sessions", key).json().get("data"))
                .get(0).get("id");
        assertThat(broker.delete("/v1/sessions/" + id, key).status()).isEqualTo(204);
        assertThat(session.closeCode.get(5, TimeUnit.SECONDS)).isEqualTo(1008);
        assertThat(broker.send(HttpRequest.POST("/realtime-token", "{}").contentType(MediaType.APPLICATION_JSON_TYPE)
                .header("Origin", "https://app.example.com").bearerAuth(IDP.user("alice"))).status())
                .isEqualTo(401);
        await().atMost(WAIT).until(() -> !HOOKS.received.isEmpty());
    }

    @AfterAll
    void stop() throws Exception {
        HOOKS.close();
        if (prometheus != null) {
            prometheus.destroy();
            if (!prometheus.waitFor(10, TimeUnit.SECONDS)) {
                prometheus.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        }
        if (directory != null) {
            try (Stream<Path> files = Files.walk(directory)) {
                files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
        }
    }

    @Test
    void everyRuleEvaluatesWithoutAnError() throws Exception {
        Map<String, JsonNode> rules = new LinkedHashMap<>();
        // Evaluated once each at least, after the broker's meters were scraped twice (a rate needs two samples).
        await().atMost(WAIT).pollInterval(Duration.ofMillis(250)).until(() -> {
            rules.clear();
            for (JsonNode group : get("rules").path("data").path("groups")) {
                for (JsonNode rule : group.path("rules")) {
                    rules.put(rule.path("name").asText(), rule);
                }
            }
            return rules.size() == Monitoring.allRules().size() && rules.values().stream()
                    .allMatch(r -> !r.path("lastEvaluation").asText().startsWith("0001")
                            && !"unknown".equals(r.path("health").asText()));
        });
        assertThat(rules.values()).allSatisfy(rule -> {
            assertThat(rule.path("health").asText()).as(rule.path("name").asText()).isEqualTo("ok");
            assertThat(rule.path("lastError").asText("")).as(rule.path("name").asText()).isEmpty();
        });
    }

    /** Every metric a rule or a panel reads, recording rules followed to their rules' metrics, is scraped. */
    @Test
    void everyMetricTheRulesAndTheDashboardReadIsExported() throws Exception {
        List<String> expressions = new ArrayList<>();
        Monitoring.allRules().forEach(r -> expressions.add((String) r.get("expr")));
        expressions.addAll(Monitoring.dashboardQueries());
        Map<String, Set<String>> reads = new LinkedHashMap<>();
        expressions.forEach(e -> reads.put(e, Monitoring.brokerMetrics(e)));
        Set<String> wanted = new TreeSet<>();
        reads.values().forEach(wanted::addAll);
        Set<String> exported = new TreeSet<>();
        // Scraped from the first scrape on (the load came before); waited for a while, then what is missing is said.
        long deadline = System.nanoTime() + SCRAPED.toNanos();
        do {
            exported.clear();
            get("label/__name__/values").path("data").forEach(n -> exported.add(n.asText()));
        } while (!exported.containsAll(wanted) && System.nanoTime() < deadline && pause());
        Map<String, Set<String>> missing = new LinkedHashMap<>();
        reads.forEach((expr, metrics) -> {
            Set<String> absent = new TreeSet<>(metrics);
            absent.removeAll(exported);
            if (!absent.isEmpty()) {
                missing.put(expr, absent);
            }
        });
        assertThat(missing).as("expressions reading metrics the broker does not export").isEmpty();
        assertThat(wanted).as("the metrics the alerts read").contains("ephemera_ready",
                "ephemera_upstream_errors_total", "ephemera_kill_switch_seconds_bucket",
                "ephemera_jwks_fetch_failures_total", "ephemera_relay_sessions_max",
                "ephemera_webhook_deliveries_total", "ephemera_redis_errors_total");
    }

    @Test
    void everyDashboardQueryRuns() throws Exception {
        for (String query : Monitoring.dashboardQueries()) {
            JsonNode answer = get("query?query=" + URLEncoder.encode(query, StandardCharsets.UTF_8));
            assertThat(answer.path("status").asText()).as(query + ": " + answer).isEqualTo("success");
        }
    }

    private static boolean pause() throws InterruptedException {
        Thread.sleep(250);
        return true;
    }

    private JsonNode get(String path) throws IOException, InterruptedException {
        HttpResponse<String> response = http.send(java.net.http.HttpRequest.newBuilder(URI.create(api + path))
                .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
        return json.readTree(response.body());
    }
}

package dev.ephemera.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ephemera.relay.Drain;
import dev.ephemera.support.Broker;
import dev.ephemera.support.BrokerExtension;
import dev.ephemera.support.Scrape;
import dev.ephemera.support.TestIssuer;
import dev.ephemera.support.TestRedis;
import dev.ephemera.support.WsClient;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.MediaType;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The meters the alerts of {@code k8s/monitoring} read ({@link OperationsMetrics}), scraped from
 * {@code GET /prometheus} as Prometheus would: providers' failures by provider and kind, the kill switch's latency,
 * readiness, the relay's capacity and callers' JWKS fetches that failed, each labelled by a closed set.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OperationsMetricsTest {

    private static final String UPSTREAM = "ephemera_upstream_errors_total{kind=\"%s\",provider=\"%s\"}";
    private static final String KILL_SWITCH = "ephemera_kill_switch_seconds_count";
    /** Where no provider and no JWKS listens. */
    private static final int CLOSED = TestRedis.freePort();
    private static final TestIssuer IDP = new TestIssuer();

    @RegisterExtension
    static final BrokerExtension ENV = BrokerExtension.inMemory().with(IDP.brokerConfigWithUnreachableJwks(CLOSED))
            .with(Map.of(
            "ephemera.relay.max-sessions", 7,
            "ephemera.relay.upstream-timeout", "1s",
            "ephemera.providers.openai.allowed-endpoints", List.of("POST /chat/completions", "GET /fails",
                    "GET /refuses", "GET /slow"),
            "ephemera.providers.mistral.base-url", "http://127.0.0.1:" + CLOSED + "/v1",
            "ephemera.providers.mistral.api-key", "sk-test-mistral-0000-fake"))
            .withFakeProvider(fake -> Map.of(
                    "ephemera.providers.openai.realtime-url", fake.websocketBase("sdk") + "/realtime",
                    "ephemera.providers.anthropic.realtime-url", "ws://127.0.0.1:" + CLOSED + "/v1/realtime"));

    private Broker broker;
    private String key;


    @BeforeAll
    void start() {
        broker = ENV.broker();
        key = ENV.secret(broker.createKey("write", "read"));
    }

    private String token(String provider) {
        return ENV.secret(broker.mint(key, Map.of("provider", provider, "max_uses", 1)).string("value"));
    }

    @Test
    void providersFailuresAreCountedByProviderAndKindOnEveryRelay() throws Exception {
        Scrape before = Scrape.of(broker);
        assertThat(broker.send(HttpRequest.GET("/v1/proxy/openai/fails").bearerAuth(token("openai"))).status())
                .as("a provider's 5xx is passed on").isEqualTo(503);
        assertThat(broker.send(HttpRequest.GET("/v1/proxy/openai/refuses").bearerAuth(token("openai"))).code())
                .isEqualTo("upstream_error");
        assertThat(broker.send(HttpRequest.GET("/v1/proxy/openai/slow").bearerAuth(token("openai"))).code())
                .isEqualTo("upstream_error");
        assertThat(broker.send(HttpRequest.POST("/v1/proxy/mistral/chat/completions", "{}")
                .contentType(MediaType.APPLICATION_JSON_TYPE).bearerAuth(token("mistral"))).code())
                .isEqualTo("upstream_error");
        WsClient realtime = WsClient.connect(broker.url().replaceFirst("^http", "ws") + "/v1/realtime",
                List.of("ephemera", "ephemera-token." + token("anthropic")), Map.of());
        assertThat(realtime.closeCode.get(5, TimeUnit.SECONDS)).isEqualTo(1011);

        Scrape after = Scrape.of(broker);
        assertThat(delta(before, after, UPSTREAM.formatted("server_error", "openai"))).isEqualTo(1);
        assertThat(delta(before, after, UPSTREAM.formatted("credentials", "openai"))).isEqualTo(1);
        assertThat(delta(before, after, UPSTREAM.formatted("timeout", "openai"))).isEqualTo(1);
        assertThat(delta(before, after, UPSTREAM.formatted("unreachable", "mistral"))).isEqualTo(1);
        assertThat(delta(before, after, UPSTREAM.formatted("unreachable", "anthropic"))).isEqualTo(1);
        // A client's own 4xx is no provider's failure.
        assertThat(after.text().lines().filter(l -> l.startsWith("ephemera_upstream_errors_total{"))
                .map(l -> l.replaceAll(".*kind=\"([^\"]*)\".*", "$1")))
                .allMatch(List.of("server_error", "credentials", "refused", "unreachable", "timeout", "dropped")
                        ::contains);
    }

    @Test
    @SuppressWarnings("unchecked")
    void theKillSwitchIsTimedFromTheRequestToTheSessionsEnd() throws Exception {
        for (String how : List.of("end", "revoke")) {
            Scrape before = Scrape.of(broker);
            Broker.Reply minted = broker.mint(key, Map.of("provider", "openai", "model", "gpt-realtime"));
            WsClient client = WsClient.connect(broker.url().replaceFirst("^http", "ws") + "/v1/realtime",
                    List.of("ephemera", "ephemera-token." + ENV.secret(minted.string("value"))), Map.of());
            String[] id = new String[1];
            await().atMost(Duration.ofSeconds(5)).until(() -> {
                ((List<Map<String, Object>>) broker.get("/v1/sessions", key).json().get("data")).stream()
                        .filter(s -> minted.string("id").equals(s.get("token_id"))).findFirst()
                        .ifPresent(s -> id[0] = (String) s.get("id"));
                return id[0] != null;
            });
            int status = how.equals("end") ? broker.delete("/v1/sessions/" + id[0], key).status()
                    : broker.delete("/v1/tokens/" + minted.string("id"), key).status();
            assertThat(status).as(how).isEqualTo(204);
            assertThat(client.closeCode.get(5, TimeUnit.SECONDS)).as(how).isEqualTo(1008);
            await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(
                    delta(before, Scrape.of(broker), KILL_SWITCH)).as(how).isEqualTo(1));
        }
        Scrape after = Scrape.of(broker);
        assertThat(after.value("ephemera_kill_switch_seconds_bucket{le=\"+Inf\"}")).isGreaterThanOrEqualTo(2);
        assertThat(after.value("ephemera_kill_switch_seconds_sum")).isPositive()
                .as("milliseconds, on one replica").isLessThan(5);
    }

    @Test
    void theRelaysCapacityIsAGauge() {
        assertThat(Scrape.of(broker).value("ephemera_relay_sessions_max")).isEqualTo(7);
    }

    /** Counted by the issuer's configured name, never its URL; registered at 0 so that the series exists. */
    @Test
    void jwksFetchesThatFailAreCountedByTheIssuersName() {
        String series = "ephemera_jwks_fetch_failures_total{issuer=\"app\"}";
        Scrape before = Scrape.of(broker);
        assertThat(before.samples()).containsKey(series);
        assertThat(broker.send(HttpRequest.POST("/realtime-token", "{}").contentType(MediaType.APPLICATION_JSON_TYPE)
                .header("Origin", "https://app.example.com").bearerAuth(IDP.user("alice"))).status())
                .isEqualTo(401);
        Scrape after = Scrape.of(broker);
        assertThat(delta(before, after, series)).isGreaterThanOrEqualTo(1);
        assertThat(after.text()).doesNotContain("jwks.json").doesNotContain(":" + CLOSED);
        assertThat(after.samples()).as("an issuer with its keys configured fetches nothing")
                .doesNotContainKey("ephemera_jwks_fetch_failures_total{issuer=\"svc\"}");
    }

    /**
     * 1 while readiness is UP, 0 once it is not (here: the drain of a SIGTERM): evaluated by the broker itself where
     * nothing probes it, and taken from the probe's answer where something does.
     */
    @Test
    void readinessIsAGaugeThatFollowsTheReadinessProbe() throws Exception {
        try (Broker draining = Broker.inMemory(Map.of())) {
            await().atMost(Duration.ofSeconds(10)).until(() -> Scrape.of(draining).value("ephemera_ready") == 1);
            draining.context().getBean(Drain.class).start();
            await().atMost(Duration.ofSeconds(10)).until(() -> Scrape.of(draining).text()
                    .contains("ephemera_ready 0.0"));
            assertThat(draining.get("/health/readiness", null).status()).isEqualTo(503);
            assertThat(Scrape.of(draining).value("ephemera_ready")).isZero();
        }
        try (Broker probed = Broker.inMemory(Map.of())) {
            await().atMost(Duration.ofSeconds(10)).until(() -> Scrape.of(probed).value("ephemera_ready") == 1);
            probed.context().getBean(Drain.class).start();
            // The probe's answer counts at once, not at the broker's next look (up to 5 s later).
            assertThat(probed.get("/health/readiness", null).status()).isEqualTo(503);
            assertThat(Scrape.of(probed).value("ephemera_ready")).isZero();
        }
    }

    private static double delta(Scrape before, Scrape after, String sample) {
        return after.value(sample) - before.value(sample);
    }
}

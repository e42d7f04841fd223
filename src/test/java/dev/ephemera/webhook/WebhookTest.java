package dev.ephemera.webhook;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.standardwebhooks.Webhook;
import com.sun.net.httpserver.HttpServer;
import dev.ephemera.support.Broker;
import dev.ephemera.support.Scrape;
import dev.ephemera.support.TestRedis;
import io.micronaut.json.JsonMapper;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.http.HttpHeaders;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * SPEC §11 webhooks, on Redis with two replicas: every event arrives signed as Standard Webhooks says (checked with
 * the official verifier), carries ids and never a secret; a receiver that is down for a while gets every event once
 * it is back; a replica that dies mid-delivery loses nothing; private targets are refused unless allowed.
 */
class WebhookTest {

    private static final Map<String, Object> FAST = Map.of("ephemera.webhooks.allow-private-targets", true,
            "ephemera.webhooks.first-retry", "200ms", "ephemera.webhooks.lease", "2s");

    /** A receiver on loopback: answers with {@link #status} (0: holds the request until released). */
    private record Received(String protocol, Map<String, List<String>> headers, String body) {
    }

    private HttpServer receiver;
    private final List<Received> received = new CopyOnWriteArrayList<>();
    private final AtomicInteger status = new AtomicInteger(204);
    private final CountDownLatch release = new CountDownLatch(1);

    @BeforeEach
    void receive() throws IOException {
        receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        receiver.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        receiver.createContext("/hook", exchange -> {
            String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            int answer = status.get();
            if (answer == 0) {
                try {
                    release.await(30, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                answer = 500;
            } else if (answer < 300) {
                received.add(new Received(exchange.getProtocol(), Map.copyOf(exchange.getRequestHeaders()), body));
            }
            exchange.sendResponseHeaders(answer, -1);
            exchange.close();
        });
        receiver.start();
    }

    @AfterEach
    void stop() {
        release.countDown();
        receiver.stop(0);
    }

    private String url() {
        return "http://127.0.0.1:" + receiver.getAddress().getPort() + "/hook";
    }

    private static Broker.Reply subscribe(Broker broker, String key, String url, List<String> events) {
        return broker.postJson("/v1/webhooks", key, Map.of("url", url, "events", events, "description", "test"));
    }

    @SuppressWarnings("unchecked")
    private List<Map<String, Object>> verified(String secret, JsonMapper json) throws Exception {
        List<Map<String, Object>> out = new java.util.ArrayList<>();
        for (Received r : received) {
            new Webhook(secret).verify(r.body(), HttpHeaders.of(r.headers(), (a, b) -> true));
            assertThat(r.body()).doesNotContain("eph_").doesNotContain("ephk_").doesNotContain("whsec_");
            Map<String, Object> event = json.readValue(r.body(), Map.class);
            event.put("webhook-id", r.headers().entrySet().stream().filter(e -> e.getKey().equalsIgnoreCase(
                    "webhook-id")).findFirst().orElseThrow().getValue().get(0));
            out.add(event);
        }
        return out;
    }

    @Test
    @SuppressWarnings("unchecked")
    void eventsArriveSignedWithIdsOnlyAndADownReceiverGetsThemAllOnceBack() throws Exception {
        try (Broker a = Broker.onRedis(TestRedis.uri(), FAST); Broker b = Broker.onRedis(TestRedis.uri(), FAST)) {
            String key = a.createKey("write", "read", "webhook");
            Broker.Reply sub = subscribe(a, key, url(), List.of("token.minted", "token.revoked"));
            assertThat(sub.status()).isEqualTo(201);
            String secret = sub.string("secret");
            assertThat(secret).startsWith("whsec_");
            assertThat(a.get("/v1/webhooks/" + sub.string("id"), key).body()).doesNotContain(secret);
            // Each replica reads the subscriptions every 250 ms: events from then on go to the new one.
            Thread.sleep(1000);

            Broker.Reply first = a.mint(key, Map.of("provider", "openai"));
            Broker.Reply second = b.mint(key, Map.of("provider", "openai"));
            assertThat(b.delete("/v1/tokens/" + second.string("id"), key).status()).isEqualTo(204);
            await().atMost(Duration.ofSeconds(10)).until(() -> received.size() >= 3);
            List<Map<String, Object>> events = verified(secret, a.context().getBean(JsonMapper.class));
            assertThat(events).extracting(e -> e.get("type")).containsExactlyInAnyOrder("token.minted",
                    "token.minted", "token.revoked");
            assertThat(events).allSatisfy(e -> assertThat((Map<String, Object>) e.get("data"))
                    .containsKey("token_id").containsKey("key_id").doesNotContainKey("subject"));
            assertThat(events).extracting(e -> ((Map<String, Object>) e.get("data")).get("token_id"))
                    .contains(first.string("id"), second.string("id"));

            // Down: every attempt answered 503; the events wait and are retried until it is back.
            received.clear();
            status.set(503);
            for (int i = 0; i < 3; i++) {
                a.mint(key, Map.of("provider", "openai"));
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> ((List<Map<String, Object>>) a.get("/v1/webhooks/"
                    + sub.string("id") + "/deliveries", key).json().get("data")).stream().filter(d ->
                    "503".equals(d.get("last_result"))).count() >= 3);
            Thread.sleep(1000);
            assertThat(received).isEmpty();
            status.set(204);
            await().atMost(Duration.ofSeconds(15)).until(() -> received.size() >= 3);
            assertThat(verified(secret, a.context().getBean(JsonMapper.class))).extracting(e -> e.get("webhook-id"))
                    .doesNotHaveDuplicates().hasSize(3);
            double retried = Scrape.of(a).value("ephemera_webhook_deliveries_total{outcome=\"retrying\"}")
                    + Scrape.of(b).value("ephemera_webhook_deliveries_total{outcome=\"retrying\"}");
            assertThat(retried).as("attempts answered 503, to be retried").isGreaterThanOrEqualTo(3);
        }
    }

    @Test
    void aReplicaThatDiesMidDeliveryLosesNothing() throws Exception {
        try (Broker survivor = Broker.onRedis(TestRedis.uri(), FAST)) {
            String key = survivor.createKey("write", "webhook");
            String secret = subscribe(survivor, key, url(), List.of("token.minted")).string("secret");
            survivor.close();  // only the replica below delivers, until it dies
            status.set(0);     // the receiver holds every request: the delivery is under way
            try (Broker dying = Broker.onRedis(TestRedis.uri(), FAST)) {
                dying.mint(key, Map.of("provider", "openai"));
                Thread.sleep(1500);
            }
            status.set(204);
            release.countDown();
            try (Broker next = Broker.onRedis(TestRedis.uri(), FAST)) {
                await().atMost(Duration.ofSeconds(15)).until(() -> !received.isEmpty());
                assertThat(verified(secret, next.context().getBean(JsonMapper.class))).extracting(e ->
                        e.get("type")).contains("token.minted");
            }
        }
    }

    @Test
    void httpDeliveriesArePlainHttp11() {
        try (Broker broker = Broker.inMemory(FAST)) {
            String key = broker.createKey("write", "webhook");
            assertThat(subscribe(broker, key, url(), List.of("token.minted")).status()).isEqualTo(201);
            broker.mint(key, Map.of("provider", "openai"));
            await().atMost(Duration.ofSeconds(5)).until(() -> !received.isEmpty());
            Received request = received.get(0);
            assertThat(request.protocol()).isEqualTo("HTTP/1.1");
            assertThat(request.headers().keySet()).as("no h2c upgrade offered").noneMatch(name ->
                    name.equalsIgnoreCase("Upgrade") || name.equalsIgnoreCase("HTTP2-Settings"));
            assertThat(request.headers().get("Host")).containsExactly("127.0.0.1:" + receiver.getAddress().getPort());
        }
    }

    @Test
    void privateTargetsAreRefusedUnlessAllowed() {
        try (Broker broker = Broker.inMemory(Map.of())) {
            String key = broker.createKey("webhook");
            for (String target : List.of("https://127.0.0.1/hook", "https://169.254.169.254/latest/meta-data",
                    "https://localhost/hook", "https://[::1]/hook", "https://10.1.2.3/hook",
                    "https://[::ffff:127.0.0.1]/hook", url(), "ftp://example.com/hook",
                    "https://user:pw@example.com/hook", "https://0177.0.0.1/hook", "https://0x7f.1/hook",
                    "https://127.1/hook", "https://2130706433/hook", "https://127.000.000.001/hook",
                    "https://[64:ff9b::7f00:1]/hook", "https://[2002:a9fe:a9fe::1]/hook",
                    "https://[2001:0:7f00:1::]/hook", "https://[::127.0.0.1]/hook", "https://198.51.100.7/hook",
                    "https://[2001:db8::1]/hook")) {
                Broker.Reply refused = subscribe(broker, key, target, List.of("token.minted"));
                assertThat(refused.status()).as(target).isEqualTo(400);
                assertThat(refused.code()).as(target).isEqualTo("invalid_request");
                assertThat(refused.param()).as(target).isEqualTo("url");
                assertThat(refused.body()).as("the message names no address").doesNotContain("127.0.0.1");
            }
            assertThat(subscribe(broker, key, "https://93.184.215.14/hook", List.of("nope")).param())
                    .isEqualTo("events");
            assertThat(broker.createKey("write")).isNotNull();
            assertThat(broker.postJson("/v1/webhooks", broker.createKey("write"), Map.of("url",
                    "https://93.184.215.14/hook", "events", List.of("token.minted"))).status()).isEqualTo(403);
        }
    }
}

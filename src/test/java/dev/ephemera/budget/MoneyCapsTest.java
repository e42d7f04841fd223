package dev.ephemera.budget;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ephemera.pricing.Money;
import dev.ephemera.support.Broker;
import dev.ephemera.support.FakeUpstream;
import dev.ephemera.support.TestIssuer;
import dev.ephemera.support.TestRedis;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.MediaType;
import dev.ephemera.support.WsClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * SPEC §11's money caps against clients that spend as fast as they can, on two replicas sharing one Redis: twenty
 * realtime sessions of one key (and twenty HTTP requests at once) against a fake provider that bills like a real one
 * (the whole conversation as every response's input, cached text and audio apart, every output token allowed, most
 * of it audio). Whatever the interleaving, what the provider reports (priced at the table's prices) never passes the
 * budget: over the WebSocket the broker sees everything a response will carry, so the bound is nothing.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MoneyCapsTest {

    private static final String PRICES = """
            models:
              - provider: openai
                model: gpt-realtime
                usd_per_million: { input_text: 4.00, input_audio: 32.00, cached_input_text: 0.40,
                                   cached_input_audio: 0.40, output_text: 16.00, output_audio: 64.00 }
                source: test
              - provider: openai
                model: gpt-4o
                usd_per_million: { input_text: 2.50, cached_input_text: 1.25, output_text: 10.00, reasoning: 10.00 }
                source: test
            """;
    /** Two seconds of 24 kHz PCM16, as a browser appends it. */
    private static final String AUDIO = Base64.getEncoder().encodeToString(new byte[96_000]);

    private static final String APP = "https://app.example.com";

    @TempDir
    static Path dir;
    private final TestIssuer idp = new TestIssuer();
    private FakeUpstream fake;
    private Broker a;
    private Broker b;

    @BeforeAll
    void start() throws Exception {
        Path prices = dir.resolve("prices.yaml");
        Files.writeString(prices, PRICES);
        fake = new FakeUpstream();
        Map<String, Object> config = new HashMap<>(idp.brokerConfig());
        config.putAll(Map.of("ephemera.providers.openai.base-url", fake.base("openai"),
                "ephemera.providers.openai.realtime-url", fake.websocketBase("metered") + "/realtime",
                "ephemera.pricing.file", prices.toString(),
                "ephemera.profiles.voice.per-subject-budget.usd-per-day", "0.30",
                "ephemera.profiles.voice.locked-fields", List.of()));
        a = Broker.onRedis(TestRedis.uri(), config);
        b = Broker.onRedis(TestRedis.uri(), config);
    }

    @AfterAll
    void stop() {
        a.close();
        b.close();
        fake.close();
    }

    private String keyWithDailyBudget(String usd) {
        Broker.Reply created = a.postJson("/v1/admin/keys", Broker.ADMIN_KEY, Map.of("name", "budgeted",
                "permissions", List.of("write", "read"), "budget", Map.of("usd_per_day", usd)));
        assertThat(created.status()).as(created.body()).isEqualTo(201);
        return created.string("key");
    }

    private static Map<String, String> from(String origin) {
        return origin == null ? Map.of() : Map.of("Origin", origin);
    }

    /**
     * A session that asks for response after response, audio before each, until the broker ends it; refused at the
     * handshake, it tries again for a few seconds.
     */
    private static String spend(Broker broker, String token, String origin) throws Exception {
        WsClient client = null;
        // Refused while the key's other sessions hold what is left (429 costs no use): a client tries again.
        for (int attempt = 0; client == null; attempt++) {
            try {
                client = WsClient.connect(broker.url().replaceFirst("^http", "ws") + "/v1/realtime",
                        List.of("ephemera", "ephemera-token." + token), from(origin));
            } catch (Exception refused) {
                if (attempt == 40) {
                    return "refused";
                }
                Thread.sleep(100);
            }
        }
        String ended = null;
        for (int round = 0; round < 200 && !client.closeCode.isDone() && ended == null; round++) {
            try {
                client.socket.sendText("{\"type\":\"input_audio_buffer.append\",\"audio\":\"" + AUDIO + "\"}",
                        true).get(5, TimeUnit.SECONDS);
                client.socket.sendText("{\"type\":\"response.create\",\"response\":{\"max_output_tokens\":400}}",
                        true).get(5, TimeUnit.SECONDS);
            } catch (java.util.concurrent.ExecutionException closed) {
                // The broker ended the session between two of our events: its reason is in the messages.
            }
            for (;;) {
                WsClient.Message m = client.messages.poll(5, TimeUnit.SECONDS);
                if (m == null || m.text() == null || m.text().contains("\"response.done\"")) {
                    break;
                }
                if (m.text().contains("usage_limit_pending")) {
                    Thread.sleep(20);
                    break;
                }
                if (m.text().contains("usage_limit_reached")) {
                    ended = "limit:" + client.closeCode.get(5, TimeUnit.SECONDS);
                    break;
                }
            }
        }
        if (ended == null && client.closeCode.isDone() && client.messages.stream().anyMatch(m -> m.text() != null
                && m.text().contains("\"code\":\"usage_limit_reached\""))) {
            ended = "limit:" + client.closeCode.get();
        }
        return ended != null ? ended : client.closeCode.isDone() ? "closed:" + client.closeCode.get() + " "
                + client.closeReason.getNow("") : "open";
    }

    @Test
    @SuppressWarnings("unchecked")
    void twentySessionsOfOneKeyOnTwoReplicasNeverSpendMoreThanItsBudget() throws Exception {
        String key = keyWithDailyBudget("0.50");
        List<String> ids = new ArrayList<>();
        List<String> values = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            Broker.Reply minted = a.mint(key, Map.of("provider", "openai", "model", "gpt-realtime"));
            ids.add(minted.string("id"));
            values.add(minted.string("value"));
        }
        ExecutorService pool = Executors.newFixedThreadPool(20);
        List<Future<String>> ends = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            Broker replica = i % 2 == 0 ? a : b;
            String value = values.get(i);
            ends.add(pool.submit(() -> spend(replica, value, null)));
        }
        List<String> how = new ArrayList<>();
        for (Future<String> end : ends) {
            how.add(end.get(120, TimeUnit.SECONDS));
        }
        pool.shutdown();
        assertThat(how).as("every session is refused or ended at the limit").allMatch(h -> h.equals("refused")
                || h.equals("limit:1008"));
        long spent = 0;
        for (String id : ids) {
            Broker.Reply receipt = a.get("/v1/tokens/" + id, key);
            if (receipt.status() == 200 && receipt.json().get("usage") instanceof Map<?, ?> usage) {
                spent += Money.parse((String) ((Map<String, Object>) usage).get("cost_usd"));
            }
        }
        assertThat(spent).as("micro-dollars spent of a 500,000 budget").isLessThanOrEqualTo(500_000)
                .isGreaterThan(250_000);
        // The key's own report agrees to the micro-dollar, on either replica.
        String total = Money.format(spent);
        Broker.Reply report = b.get("/v1/usage", key);
        assertThat(report.status()).as(report.body()).isEqualTo(200);
        assertThat((List<Map<String, Object>>) report.json().get("data")).singleElement().satisfies(row ->
                assertThat(row).containsEntry("cost_usd", total));
        System.getLogger("MoneyCapsTest").log(System.Logger.Level.INFO, "spent " + Money.format(spent) + " of "
                + "0.500000; sessions: " + how);
    }

    @Test
    @SuppressWarnings("unchecked")
    void oneUsersTwentySessionsFromAProfileNeverSpendMoreThanTheirDailyBudget() throws Exception {
        List<String> ids = new ArrayList<>();
        List<String> values = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            Broker.Reply minted = (i % 2 == 0 ? a : b).send(HttpRequest.POST("/realtime-token", "{}")
                    .contentType(MediaType.APPLICATION_JSON_TYPE).header("Origin", APP)
                    .bearerAuth(idp.user("carol")));
            assertThat(minted.status()).as(minted.body()).isEqualTo(201);
            ids.add(minted.string("id"));
            values.add(minted.string("value"));
        }
        ExecutorService pool = Executors.newFixedThreadPool(20);
        List<Future<String>> ends = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            Broker replica = i % 2 == 0 ? b : a;
            String value = values.get(i);
            ends.add(pool.submit(() -> spend(replica, value, APP)));
        }
        List<String> how = new ArrayList<>();
        for (Future<String> end : ends) {
            how.add(end.get(120, TimeUnit.SECONDS));
        }
        pool.shutdown();
        assertThat(how).allMatch(h -> h.equals("refused") || h.equals("limit:1008"));
        long spent = 0;
        for (String id : ids) {
            Broker.Reply receipt = a.get("/v1/tokens/" + id, Broker.ADMIN_KEY);
            if (receipt.status() == 200 && receipt.json().get("usage") instanceof Map<?, ?> usage) {
                spent += Money.parse((String) ((Map<String, Object>) usage).get("cost_usd"));
            }
        }
        assertThat(spent).as("micro-dollars carol spent of a 300,000 budget").isLessThanOrEqualTo(300_000)
                .isGreaterThan(150_000);
        Broker.Reply refused = a.send(HttpRequest.POST("/realtime-token", "{}")
                .contentType(MediaType.APPLICATION_JSON_TYPE).header("Origin", APP).bearerAuth(idp.user("carol")));
        assertThat(refused.status()).as("spent: " + spent + "; " + refused.body()).isIn(201, 429);
        assertThat(a.send(HttpRequest.POST("/realtime-token", "{}").contentType(MediaType.APPLICATION_JSON_TYPE)
                .header("Origin", APP).bearerAuth(idp.user("dave"))).status()).as("dave's money is his own")
                .isEqualTo(201);
    }

    @Test
    @SuppressWarnings("unchecked")
    void twentyClientsOfOneKeyOnTheHttpRelayNeverSpendMoreThanItsBudget() throws Exception {
        String key = keyWithDailyBudget("0.20");
        String body = "{\"model\":\"gpt-4o\",\"user\":\"metered\",\"max_completion_tokens\":1000,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"" + "x".repeat(2_000) + "\"}]}";
        List<String> ids = new ArrayList<>();
        List<String> tokens = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            Broker.Reply minted = a.mint(key, Map.of("provider", "openai", "model", "gpt-4o", "max_uses", 100));
            ids.add(minted.string("id"));
            tokens.add(minted.string("value"));
        }
        ExecutorService pool = Executors.newFixedThreadPool(20);
        List<Future<List<Integer>>> clients = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            String token = tokens.get(i);
            Broker replica = i % 2 == 0 ? a : b;
            clients.add(pool.submit(() -> {
                List<Integer> statuses = new ArrayList<>();
                for (int n = 0; n < 100; n++) {
                    int status = replica.send(HttpRequest.POST("/v1/proxy/openai/chat/completions", body)
                            .contentType(MediaType.APPLICATION_JSON_TYPE).bearerAuth(token)).status();
                    statuses.add(status);
                    if (status == 429) {
                        break;
                    }
                }
                return statuses;
            }));
        }
        List<Integer> all = new ArrayList<>();
        for (Future<List<Integer>> client : clients) {
            all.addAll(client.get(120, TimeUnit.SECONDS));
        }
        pool.shutdown();
        assertThat(all).containsOnly(200, 429).contains(200);
        long spent = 0;
        for (String id : ids) {
            Broker.Reply receipt = b.get("/v1/tokens/" + id, key);
            if (receipt.status() == 200 && receipt.json().get("usage") instanceof Map<?, ?> usage) {
                spent += Money.parse((String) ((Map<String, Object>) usage).get("cost_usd"));
            }
        }
        assertThat(spent).as("micro-dollars spent of a 200,000 budget").isLessThanOrEqualTo(200_000)
                .isGreaterThan(150_000);
    }
}

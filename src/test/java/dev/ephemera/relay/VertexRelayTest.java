package dev.ephemera.relay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ephemera.support.Broker;
import dev.ephemera.support.Broker.Reply;
import dev.ephemera.support.FakeGoogle;
import dev.ephemera.support.LogCapture;
import dev.ephemera.support.TestRedis;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.MediaType;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Vertex AI through the HTTP relay, against a fake Google (its token endpoint and Vertex AI's generateContent): the
 * broker signs in as a service account whose key file the test wrote (an RSA key made here; the fake verifies the
 * assertion's signature), sends Google's access token upstream and nothing of the browser's, fetches the next token
 * before the last expires, fails closed without one and recovers by itself, and never logs a token or the key.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class VertexRelayTest {

    private static final String GENERATE = "/v1/proxy/vertex/models/gemini-2.5-flash:generateContent";
    private static final String BODY = "{\"contents\":[{\"role\":\"user\",\"parts\":[{\"text\":\"ping\"}]}]}";
    /** Each access token's lifetime: a refresh after 3 s, each token used until 0.6 s before it expires. */
    private static final Duration LIFETIME = Duration.ofSeconds(6);

    private final List<String> secrets = new CopyOnWriteArrayList<>();
    private final List<LogRecord> julRecords = new CopyOnWriteArrayList<>();
    private final Handler julCapture = new Handler() {
        @Override
        public void publish(LogRecord record) {
            julRecords.add(record);
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };
    private java.util.logging.Level julRootLevel;
    private Path dir;
    private LogCapture logs;
    private FakeGoogle google;
    private Broker broker;
    private String key;

    @BeforeAll
    void start() throws IOException {
        logs = new LogCapture();
        // Every java.util.logging record too, at every level: Google's HTTP client logs whole requests and answers
        // there at CONFIG, where its auth library does not turn that off.
        java.util.logging.Logger root = java.util.logging.Logger.getLogger("");
        julRootLevel = root.getLevel();
        root.setLevel(Level.ALL);
        root.addHandler(julCapture);
        google = new FakeGoogle().lifetime(LIFETIME);
        dir = Files.createTempDirectory("vertex");
        Path keyFile = google.serviceAccountKey(dir);
        broker = Broker.onRedis(TestRedis.uri(), Map.of(
                "ephemera.providers.vertex.project", "test-project",
                "ephemera.providers.vertex.location", "us-central1",
                "ephemera.providers.vertex.credentials-file", keyFile.toString(),
                "ephemera.providers.vertex.base-url", google.vertexBase("test-project", "us-central1")));
        key = broker.createKey("write", "read");
        await().atMost(Duration.ofSeconds(10)).until(() -> !google.issued.isEmpty());
    }

    @AfterAll
    void stop() throws IOException {
        broker.close();
        google.close();
        java.util.logging.Logger root = java.util.logging.Logger.getLogger("");
        root.removeHandler(julCapture);
        root.setLevel(julRootLevel);
        String logged = logs.all();
        logs.close();
        StringBuilder jul = new StringBuilder();
        julRecords.forEach(r -> jul.append(r.getMessage()).append(' ').append(java.util.Arrays.toString(
                r.getParameters())).append('\n'));
        List<String> forbidden = new ArrayList<>(secrets);
        google.issued.forEach(t -> forbidden.add(t.value()));
        forbidden.addAll(google.assertions);
        String privateKey = google.privateKeyPem();
        forbidden.add(privateKey.substring(privateKey.indexOf('\n') + 1, privateKey.indexOf('\n') + 60));
        forbidden.add(Broker.ADMIN_KEY);
        assertThat(google.issued).isNotEmpty();
        for (String secret : forbidden) {
            assertThat(logged).as("log lines").doesNotContain(secret);
            assertThat(jul.toString()).as("java.util.logging records").doesNotContain(secret);
        }
        assertThat(logged).contains("Vertex AI access token refreshed, expires in");
        try (var files = Files.list(dir)) {
            files.forEach(f -> f.toFile().delete());
        }
        Files.delete(dir);
    }

    private String token(Map<String, Object> mint) {
        Map<String, Object> body = new java.util.HashMap<>(mint);
        body.put("provider", "vertex");
        String value = broker.mint(key, body).string("value");
        secrets.add(value);
        return value;
    }

    private Reply relay(String path, String token) {
        return broker.send(HttpRequest.POST(path, BODY).contentType(MediaType.APPLICATION_JSON_TYPE).bearerAuth(token)
                .header("x-goog-api-client", "gl-js/20 gdcl/1.0").header("x-goog-user-project", "someone-else")
                .header("Cookie", "session=abc"));
    }

    @Test
    void sendsGooglesAccessTokenUpstreamAndNothingOfTheBrowsersOrTheKeyFiles() {
        String token = token(Map.of("model", "gemini-2.5-flash"));
        Reply r = relay(GENERATE, token);
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        assertThat(r.body()).contains("pong");
        FakeGoogle.Seen seen = google.seen.get(google.seen.size() - 1);
        assertThat(seen.path()).isEqualTo("/vertex/v1/projects/test-project/locations/us-central1/publishers/google"
                + "/models/gemini-2.5-flash:generateContent");
        assertThat(seen.accepted()).isTrue();
        assertThat(seen.headers().get("authorization")).hasSize(1);
        assertThat(seen.header("Authorization")).startsWith("Bearer ya29.fake-");
        assertThat(google.issued).anyMatch(t -> seen.header("Authorization").equals("Bearer " + t.value()));
        assertThat(seen.header("x-goog-api-client")).isEqualTo("gl-js/20 gdcl/1.0");
        assertThat(seen.header("x-goog-user-project")).as("another project billed with the broker's credential")
                .isNull();
        assertThat(seen.header("x-goog-api-key")).isNull();
        assertThat(seen.header("Cookie")).isNull();
        String everything = seen.headers() + seen.body();
        assertThat(everything).doesNotContain(token).doesNotContain("eph_")
                .doesNotContain(google.privateKeyPem().substring(28, 90)).doesNotContain("BEGIN PRIVATE KEY");
        assertThat(r.body() + r.headers().asMap()).doesNotContain("ya29.");
    }

    @Test
    void fetchesTheNextTokenBeforeTheLastExpiresAndNeverSendsAnExpiredOne() throws InterruptedException {
        String token = token(Map.of("max_uses", 100, "ttl_seconds", 120));
        int first = google.seen.size();
        long end = System.nanoTime() + LIFETIME.plusSeconds(2).toNanos();
        while (System.nanoTime() < end) {
            Reply r = relay(GENERATE, token);
            assertThat(r.status()).as(r.body()).isEqualTo(200);
            Thread.sleep(100);
        }
        List<FakeGoogle.Seen> during = google.seen.subList(first, google.seen.size());
        assertThat(during).as("every request carried a token Google issued, unexpired when it arrived")
                .allMatch(FakeGoogle.Seen::accepted);
        List<String> used = during.stream().map(s -> s.header("Authorization")).distinct().toList();
        assertThat(used).as("access tokens seen upstream over more than a lifetime").hasSizeGreaterThanOrEqualTo(2);
        for (int i = 1; i < used.size(); i++) {
            FakeGoogle.Issued previous = issued(used.get(i - 1));
            FakeGoogle.Issued next = issued(used.get(i));
            assertThat(next.issuedAt()).as("fetched before the last one expired").isBefore(previous.expiresAt());
        }
    }

    private FakeGoogle.Issued issued(String authorization) {
        return google.issued.stream().filter(t -> authorization.equals("Bearer " + t.value())).findFirst()
                .orElseThrow();
    }

    @Test
    void failsClosedWithoutAnUnexpiredTokenAndRecoversWhenGoogleAnswersAgain() throws Exception {
        String token = token(Map.of("max_uses", 50, "ttl_seconds", 120));
        assertThat(relay(GENERATE, token).status()).isEqualTo(200);
        int sent = google.seen.size();
        google.down(true);
        try (AutoCloseable frozen = broker.clock().freeze()) {
            // Past the held token's expiry on the broker's clock, with Google's token endpoint answering 503.
            broker.clock().advance(LIFETIME);
            for (int i = 0; i < 3; i++) {
                Reply refused = relay(GENERATE, token);
                assertThat(refused.status()).isEqualTo(502);
                assertThat(refused.code()).isEqualTo("upstream_error");
                assertThat(refused.body()).contains("could not get an access token from Google; retry later");
                Thread.sleep(300);
            }
            assertThat(google.seen).as("nothing was sent upstream without a token").hasSize(sent);
            google.down(false);
            await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(200))
                    .until(() -> relay(GENERATE, token).status() == 200);
        } finally {
            google.down(false);
        }
        assertThat(google.seen.subList(sent, google.seen.size())).allMatch(FakeGoogle.Seen::accepted);
        assertThat(broker.introspect(key, token).json()).containsEntry("active", true);
    }

    @Test
    @SuppressWarnings("unchecked")
    void usageAndCostOfAVertexResponseLandInItsTokensUsage() {
        Reply minted = broker.mint(key, Map.of("provider", "vertex", "model", "gemini-2.5-flash", "max_uses", 2,
                "limits", Map.of("max_cost_usd", "1.00")));
        secrets.add(minted.string("value"));
        Reply whole = relay(GENERATE, minted.string("value"));
        assertThat(whole.status()).as(whole.body()).isEqualTo(200);
        // usageMetadata: 4 prompt, 1 candidate and 2 thought tokens. At gemini-2.5-flash's price on Vertex AI
        // (0.30 $/M input, 2.50 $/M output and reasoning): 1.2 + 2.5 + 5.0 = 8.7 micro-dollars, rounded up once.
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat((Map<String, Object>) broker.get(
                "/v1/tokens/" + minted.string("id"), key).json().get("usage")).containsEntry("input_tokens", 4)
                .containsEntry("output_tokens", 3).containsEntry("total_tokens", 7)
                .containsEntry("cost_usd", "0.000009"));
        assertThat(google.seen.get(google.seen.size() - 1).body()).as("the output capped at the money left")
                .contains("\"maxOutputTokens\"");

        Reply streamed = broker.mint(key, Map.of("provider", "vertex", "model", "gemini-2.5-flash", "limits",
                Map.of("max_cost_usd", "1.00")));
        secrets.add(streamed.string("value"));
        Reply sse = relay("/v1/proxy/vertex/models/gemini-2.5-flash:streamGenerateContent?alt=sse",
                streamed.string("value"));
        assertThat(sse.status()).as(sse.body()).isEqualTo(200);
        assertThat(sse.headers().get("Content-Type")).startsWith("text/event-stream");
        // The stream's highest counts: 4 input, 2 output; 1.2 + 5.0 = 6.2 micro-dollars, rounded up.
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat((Map<String, Object>) broker.get(
                "/v1/tokens/" + streamed.string("id"), key).json().get("usage")).containsEntry("input_tokens", 4)
                .containsEntry("output_tokens", 2).containsEntry("cost_usd", "0.000007"));
    }
}

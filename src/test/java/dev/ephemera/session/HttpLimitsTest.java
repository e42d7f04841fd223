package dev.ephemera.session;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ephemera.support.Broker;
import dev.ephemera.support.BrokerExtension;
import dev.ephemera.support.FakeRecorder;
import dev.ephemera.support.FakeUpstream;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.MediaType;
import io.micronaut.http.MutableHttpRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * SPEC §7 on the HTTP relay, against a hostile client: a limited token's request is measured and capped, or refused
 * before its use is taken ({@code usage_not_measurable}); requests count when they are forwarded, so parallel ones
 * cannot each take the whole budget; usage reporting is forced; choices share the cap; an empty model is no model;
 * only the headers a provider's SDKs send reach it.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HttpLimitsTest {

    private static final Pattern CAP = Pattern.compile("\"max_completion_tokens\":(\\d+)");
    private static final String CHAT = "{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":\"ping\"}]";

    @RegisterExtension
    static final BrokerExtension ENV = BrokerExtension.onRedis().withFakeProvider(fake -> Map.of());
    private Broker broker;
    private FakeUpstream fake;
    private String key;

    @BeforeAll
    void start() {
        broker = ENV.broker();
        fake = ENV.fake();
        key = ENV.secret(broker.createKey("write", "read"));
    }

    private String limited(Map<String, Object> limits, int uses) {
        return ENV.secret(broker.mint(key, Map.of("provider", "openai", "max_uses", uses, "limits", limits))
                .string("value"));
    }

    private Broker.Reply chat(String token, String body) {
        return broker.send(HttpRequest.POST("/v1/proxy/openai/chat/completions", body)
                .contentType(MediaType.APPLICATION_JSON).bearerAuth(token));
    }

    @Test
    void parallelRequestsCannotEachTakeTheWholeBudget() throws Exception {
        String token = limited(Map.of("max_total_tokens", 1000), 10);
        int before = fake.recorder().requests.size();
        ExecutorService pool = Executors.newFixedThreadPool(10);
        try {
            List<CompletableFuture<Broker.Reply>> replies = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                replies.add(CompletableFuture.supplyAsync(() -> chat(token, CHAT + ",\"user\":\"slow\"}"), pool));
            }
            List<Integer> statuses = replies.stream().map(r -> r.join().status()).toList();
            assertThat(statuses).contains(200).allSatisfy(s -> assertThat(s).isIn(200, 429));
        } finally {
            pool.shutdownNow();
        }
        List<Integer> caps = new ArrayList<>();
        for (FakeRecorder.Seen seen : fake.recorder().requests.subList(before, fake.recorder().requests.size())) {
            Matcher m = CAP.matcher(seen.body());
            assertThat(m.find()).as(seen.body()).isTrue();
            caps.add(Integer.valueOf(m.group(1)));
        }
        // One request may use the whole budget; any other went on only after it was done (6 tokens used).
        assertThat(caps).as("the caps the provider was asked for").filteredOn(c -> c > 994).hasSize(1);
    }

    @Test
    void streamUsageIsReportedEvenWhenTheClientAsksItNotToBe() {
        Broker.Reply minted = broker.mint(key, Map.of("provider", "openai"));
        Broker.Reply relayed = chat(ENV.secret(minted.string("value")), CHAT
                + ",\"stream\":true,\"stream_options\":{\"include_usage\":false}}");
        assertThat(relayed.status()).isEqualTo(200);
        assertThat(fake.recorder().last().body()).contains("\"include_usage\":true");
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(((Map<?, ?>) broker.get(
                "/v1/tokens/" + minted.string("id"), key).json().get("usage")).get("total_tokens")).isEqualTo(7));
    }

    @Test
    void choicesShareTheCap() {
        assertThat(chat(limited(Map.of("max_total_tokens", 1000), 1), CHAT + ",\"n\":10}").status()).isEqualTo(200);
        assertThat(fake.recorder().last().body()).contains("\"max_completion_tokens\":100");
        Broker.Reply tooMany = chat(limited(Map.of("max_total_tokens", 5), 1), CHAT + ",\"n\":10}");
        assertThat(tooMany.status()).isEqualTo(429);
        assertThat(tooMany.code()).isEqualTo("quota_exceeded");
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"text/plain", "empty", "embeddings", "n as text", "n fraction", "best_of",
        "candidateCount"})
    void aLimitedTokenIsRefusedWhatItCannotMeasureBeforeItsUseIsTaken(String how) {
        Broker.Reply minted = broker.mint(key, Map.of("provider", "openai", "limits", Map.of("max_total_tokens",
                100)));
        String token = ENV.secret(minted.string("value"));
        int before = fake.recorder().requests.size();
        String path = how.equals("embeddings") ? "/embeddings" : "/chat/completions";
        String body = switch (how) {
            case "n as text" -> CHAT + ",\"n\":\"10\"}";
            case "n fraction" -> CHAT + ",\"n\":1.5}";
            case "best_of" -> CHAT + ",\"best_of\":3}";
            case "candidateCount" -> CHAT + ",\"generationConfig\":{\"candidateCount\":\"x\"}}";
            case "empty" -> "";
            default -> CHAT + "}";
        };
        MutableHttpRequest<Object> request = HttpRequest.POST("/v1/proxy/openai" + path, (Object) body)
                .bearerAuth(token)
                .contentType(how.equals("text/plain") ? MediaType.TEXT_PLAIN_TYPE : MediaType.APPLICATION_JSON_TYPE);
        Broker.Reply refused = broker.send(request);
        assertThat(refused.status()).as(refused.body()).isEqualTo(403);
        assertThat(refused.code()).isEqualTo("usage_not_measurable");
        assertThat(fake.recorder().requests).hasSize(before);
        assertThat(broker.introspect(key, token).json()).as("the refusal cost no use").containsEntry("uses_left", 1);
        // The same body is relayed for a token without limits.
        String free = ENV.secret(broker.mint(key, Map.of("provider", "openai")).string("value"));
        assertThat(broker.send(HttpRequest.POST("/v1/proxy/openai" + path, body).bearerAuth(free)
                .contentType(how.equals("text/plain") ? MediaType.TEXT_PLAIN_TYPE
                        : MediaType.APPLICATION_JSON_TYPE)).status()).isEqualTo(200);
    }

    @Test
    void aCompressedBodyIsReadAsTheServerDecodedItAndCapped() {
        String token = limited(Map.of("max_total_tokens", 100), 1);
        Broker.Reply relayed = broker.send(HttpRequest.POST("/v1/proxy/openai/chat/completions", gzip(CHAT + "}"))
                .contentType(MediaType.APPLICATION_JSON).header("Content-Encoding", "gzip").bearerAuth(token));
        assertThat(relayed.status()).as(relayed.body()).isEqualTo(200);
        assertThat(fake.recorder().last().body()).contains("\"max_completion_tokens\":100");
        assertThat(fake.recorder().last().headers().keySet()).noneMatch(h -> h.equalsIgnoreCase("content-encoding"));
    }

    private static byte[] gzip(String text) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        try (java.util.zip.GZIPOutputStream zip = new java.util.zip.GZIPOutputStream(out)) {
            zip.write(text.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"\"\"", "\" \"", "null", "[\"gpt-4o\"]", "7"})
    void onlyAnAbsentModelIsTheTokensAndAnyOtherThatIsNotANameIsRefused(String model) {
        String token = ENV.secret(broker.mint(key, Map.of("provider", "openai", "model", "gpt-4o")).string("value"));
        int before = fake.recorder().requests.size();
        Broker.Reply refused = chat(token, "{\"model\":" + model + ",\"messages\":[]}");
        assertThat(refused.status()).as(refused.body()).isEqualTo(403);
        assertThat(refused.code()).isEqualTo("model_not_allowed");
        assertThat(fake.recorder().requests).hasSize(before);
        assertThat(broker.introspect(key, token).json()).containsEntry("uses_left", 1);
    }

    @Test
    void anEmptyModelOnTheRealtimeAndWebRtcRelaysIsRefused() {
        String token = ENV.secret(broker.mint(key, Map.of("provider", "openai", "model", "gpt-realtime"))
                .string("value"));
        Broker.Reply webrtc = broker.send(HttpRequest.POST("/v1/realtime/calls?model=", "v=0\r\n")
                .contentType("application/sdp").bearerAuth(token));
        assertThat(webrtc.status()).as(webrtc.body()).isEqualTo(403);
        assertThat(webrtc.code()).isEqualTo("model_not_allowed");
        Broker.Reply websocket = broker.send(HttpRequest.GET("/v1/realtime?model=").bearerAuth(token)
                .header("Connection", "Upgrade").header("Upgrade", "websocket").header("Sec-WebSocket-Version", "13")
                .header("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="));
        assertThat(websocket.status()).as(websocket.body()).isEqualTo(403);
        assertThat(websocket.code()).isEqualTo("model_not_allowed");
        assertThat(broker.introspect(key, token).json()).containsEntry("uses_left", 1);
    }

    @Test
    void onlyTheHeadersTheProvidersSdksSendReachIt() {
        String token = ENV.secret(broker.mint(key, Map.of("provider", "openai")).string("value"));
        Broker.Reply relayed = broker.send(HttpRequest.POST("/v1/proxy/openai/chat/completions", CHAT + "}")
                .contentType(MediaType.APPLICATION_JSON).bearerAuth(token)
                .header("OpenAI-Organization", "org-attacker").header("OpenAI-Project", "proj_attacker")
                .header("anthropic-beta", "max-tokens-3-5-sonnet-2024-07-15").header("OpenAI-Beta", "assistants=v2")
                .header("X-HTTP-Method-Override", "DELETE").header("Accept-Encoding", "gzip")
                .header("X-Stainless-Lang", "js").header("X-Client-Request-Id", "client-req-1")
                .header("Idempotency-Key", "idem-1"));
        assertThat(relayed.status()).isEqualTo(200);
        Map<String, List<String>> seen = fake.recorder().last().headers();
        assertThat(seen.keySet().stream().map(String::toLowerCase)).doesNotContain("openai-organization",
                "openai-project", "anthropic-beta", "openai-beta", "x-http-method-override")
                .contains("x-stainless-lang", "x-client-request-id", "idempotency-key");
        assertThat(seen.entrySet()).filteredOn(e -> e.getKey().equalsIgnoreCase("accept-encoding"))
                .allSatisfy(e -> assertThat(String.join(",", e.getValue())).doesNotContain("gzip"));
    }
}

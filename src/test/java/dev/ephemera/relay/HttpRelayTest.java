package dev.ephemera.relay;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ephemera.support.Broker;
import dev.ephemera.support.Broker.Reply;
import dev.ephemera.support.FakeRecorder;
import dev.ephemera.support.FakeUpstream;
import dev.ephemera.support.LogCapture;
import dev.ephemera.support.SelfSignedCertificate;
import dev.ephemera.support.TestRedis;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.MediaType;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest.BodyPublishers;
import java.nio.ByteBuffer;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import reactor.adapter.JdkFlowAdapter;
import reactor.core.publisher.Flux;

/** The HTTP relay against fake providers: keys in each provider's style, streaming, refusals, failures. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HttpRelayTest {

    private FakeUpstream fake;
    private Broker broker;
    private LogCapture logs;
    private String key;
    private final List<String> tokensSeen = new ArrayList<>();

    @BeforeAll
    void start() {
        logs = new LogCapture();
        fake = new FakeUpstream().expectKey("gemini", "x-goog-api-key", "sk-test-gemini-0000-fake");
        broker = Broker.onRedis(TestRedis.uri(), Map.ofEntries(
                Map.entry("ephemera.providers.openai.base-url", fake.base("openai")),
                // The preset's inference endpoints, and the fake's test endpoints.
                Map.entry("ephemera.providers.openai.allowed-endpoints", List.of("POST /chat/completions",
                        "POST /embeddings", "POST /stream", "GET /refuses", "GET /slow", "GET /echo/models:generate")),
                Map.entry("ephemera.providers.gemini.base-url", fake.base("gemini")),
                Map.entry("ephemera.providers.gemini.api-key", "sk-test-gemini-0000-fake"),
                Map.entry("ephemera.providers.openai.headers.OpenAI-Organization", "org-test"),
                Map.entry("ephemera.providers.anthropic.base-url", fake.base("anthropic")),
                Map.entry("ephemera.providers.mistral.base-url", "http://127.0.0.1:" + TestRedis.freePort() + "/v1"),
                Map.entry("ephemera.providers.mistral.api-key", "sk-test-mistral-0000-fake"),
                Map.entry("ephemera.relay.upstream-timeout", "1s"),
                Map.entry("ephemera.cors.allowed-origins", List.of("https://app.example.com"))));
        key = broker.createKey("write", "read");
    }

    @AfterAll
    void stop() {
        broker.close();
        fake.close();
        String logged = logs.all();
        logs.close();
        assertThat(logged).as("log lines").doesNotContain(Broker.OPENAI_KEY, Broker.ANTHROPIC_KEY,
                "sk-test-mistral-0000-fake");
        for (String token : tokensSeen) {
            assertThat(logged).as("log lines").doesNotContain(token);
        }
    }

    @BeforeEach
    void reset() {
        fake.recorder().reset();
    }

    private String token(String provider, int uses) {
        String value = broker.mint(key, Map.of("provider", provider, "max_uses", uses)).string("value");
        tokensSeen.add(value);
        return value;
    }

    private Reply relay(String path, String token, String body) {
        return broker.send(HttpRequest.POST(path, body).contentType(MediaType.APPLICATION_JSON_TYPE)
                .bearerAuth(token).header("X-Client-Request-Id", "client-42").header("Cookie", "session=abc"));
    }

    @Test
    void forwardsWithTheProviderKeyInBearerStyleAndNeverTheToken() {
        String token = token("openai", 1);
        Reply r = relay("/v1/proxy/openai/chat/completions", token, "{\"model\":\"gpt-4o\",\"messages\":[]}");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.body()).contains("pong");
        FakeRecorder.Seen seen = fake.recorder().last();
        assertThat(seen.path()).isEqualTo("/fake/openai/chat/completions");
        assertThat(seen.header("Authorization")).isEqualTo("Bearer " + Broker.OPENAI_KEY);
        assertThat(seen.header("OpenAI-Organization")).isEqualTo("org-test");
        assertThat(seen.header("X-Client-Request-Id")).isEqualTo("client-42");
        assertThat(seen.header("Cookie")).isNull();
        assertThat(seen.body()).isEqualTo("{\"model\":\"gpt-4o\",\"messages\":[]}");
        assertThat(fake.recorder().everything()).doesNotContain(token);
        assertThat(r.headers().get("X-Upstream-Request-Id")).isEqualTo("req_upstream_1");
        assertThat(r.headers().getAll("X-Request-Id")).hasSize(1);
        assertThat(r.body() + r.headers().asMap()).doesNotContain(Broker.OPENAI_KEY);
    }

    /** The relay's filter covers /v1/proxy and what is under it, nothing that merely resembles it. */
    @Test
    void onlyPathsUnderTheRelaysPrefixAreRelayed() {
        String token = token("openai", 1);
        for (String path : List.of("/v1//proxy/openai/chat/completions", "/v1/proxyx/openai/chat/completions")) {
            Reply r = relay(path, token, "{}");
            assertThat(r.status()).as(path).isEqualTo(404);
            assertThat(r.code()).as(path).isEqualTo("not_found");
        }
        assertThat(relay("/v1/proxy", token, "{}").code()).isEqualTo("unknown_provider");
        assertThat(fake.recorder().requests).isEmpty();
        assertThat(relay("/v1/proxy/openai/chat/completions", token, "{}").status()).isEqualTo(200);
    }

    /** SPEC §7: CORS is the broker's alone; a provider's permissive headers never reach a browser. */
    @Test
    void providersCorsHeadersNeverReachTheBrowser() {
        String body = "{\"model\":\"gpt-4o\",\"messages\":[]}";
        Reply unlisted = broker.send(HttpRequest.POST("/v1/proxy/openai/chat/completions", body)
                .contentType(MediaType.APPLICATION_JSON_TYPE).bearerAuth(token("openai", 1))
                .header("Origin", "https://evil.example.com"));
        assertThat(unlisted.status()).isEqualTo(200);
        assertThat(unlisted.headers().asMap().keySet()).noneMatch(h -> h.toLowerCase(Locale.ROOT)
                .startsWith("access-control-"));
        // Found by the black-box attack: nor does a provider's trace context (a backend's trace id, with propagation).
        assertThat(unlisted.headers().asMap().keySet()).map(h -> h.toLowerCase(Locale.ROOT))
                .doesNotContain("traceparent", "tracestate", "traceresponse", "baggage");
        assertThat(String.join(",", unlisted.headers().getAll("Vary")).split("\\s*,\\s*")).containsOnlyOnce("Origin");

        Reply listed = broker.send(HttpRequest.POST("/v1/proxy/openai/chat/completions", body)
                .contentType(MediaType.APPLICATION_JSON_TYPE).bearerAuth(token("openai", 1))
                .header("Origin", "https://app.example.com"));
        assertThat(listed.status()).isEqualTo(200);
        assertThat(listed.headers().getAll("Access-Control-Allow-Origin")).containsExactly("https://app.example.com");
        assertThat(listed.headers().get("Access-Control-Allow-Credentials")).isNull();
        assertThat(listed.headers().get("Access-Control-Allow-Headers")).isNull();
    }

    /**
     * A provider whose certificate does not verify is never sent the request (it would carry the provider key),
     * even where the broker's other HTTP clients were told to trust anything.
     */
    @Test
    void providerWithAnUntrustedCertificateIsNeverSentTheKey() throws Exception {
        SelfSignedCertificate tls = new SelfSignedCertificate(Path.of("target", "tls-upstream"));
        int port = TestRedis.freePort();
        try (FakeUpstream untrusted = FakeUpstream.tls(tls, port);
                Broker trusting = Broker.onRedis(TestRedis.uri(), Map.of(
                        "ephemera.providers.openai.base-url", "https://localhost:" + port + "/fake/openai",
                        "micronaut.http.client.ssl.insecure-trust-all-certificates", true,
                        "ephemera.relay.upstream-timeout", "2s"))) {
            String writer = trusting.createKey("write");
            String token = trusting.mint(writer, Map.of("provider", "openai")).string("value");
            tokensSeen.add(token);

            Reply r = trusting.send(HttpRequest.POST("/v1/proxy/openai/chat/completions", "{\"model\":\"gpt-4o\"}")
                    .contentType(MediaType.APPLICATION_JSON_TYPE).bearerAuth(token));

            assertThat(r.status()).isEqualTo(502);
            assertThat(r.code()).isEqualTo("upstream_error");
            assertThat(untrusted.recorder().requests).isEmpty();
        }
    }

    @Test
    void anthropicGetsXApiKeyAndVersionAndAcceptsTheTokenInXApiKey() {
        String token = token("anthropic", 1);
        Reply r = broker.send(HttpRequest.POST("/v1/proxy/anthropic/v1/messages", "{\"max_tokens\":5}")
                .contentType(MediaType.APPLICATION_JSON_TYPE).header("x-api-key", token)
                .header("anthropic-version", "2023-06-01"));
        assertThat(r.status()).isEqualTo(200);
        FakeRecorder.Seen seen = fake.recorder().last();
        assertThat(seen.header("x-api-key")).isEqualTo(Broker.ANTHROPIC_KEY);
        assertThat(seen.header("anthropic-version")).isEqualTo("2023-06-01");
        assertThat(seen.header("Authorization")).isNull();
    }

    @Test
    void oneUseTokenRelaysOneRequest() {
        String token = token("openai", 1);
        assertThat(relay("/v1/proxy/openai/chat/completions", token, "{}").status()).isEqualTo(200);
        Reply again = relay("/v1/proxy/openai/chat/completions", token, "{}");
        assertThat(again.status()).isEqualTo(401);
        assertThat(again.code()).isEqualTo("token_already_used");
        assertThat(fake.recorder().requests).hasSize(1);
    }

    /**
     * A body that arrives after its headers is read whole before it goes upstream, so that the provider's connection
     * goes back to the pool: streamed, Micronaut's client closed it whenever the provider answered before the last
     * write of the body completed.
     */
    @Test
    void bodiesArrivingAfterTheirHeadersStillReuseTheProviderConnection() throws Exception {
        String token = token("openai", 30);
        byte[] head = "{\"model\":\"gpt-4o\",".getBytes(StandardCharsets.UTF_8);
        byte[] tail = "\"messages\":[]}".getBytes(StandardCharsets.UTF_8);
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        for (int i = 0; i < 30; i++) {
            Flux<ByteBuffer> parts = Flux.just(head, tail).delayElements(Duration.ofMillis(2)).map(ByteBuffer::wrap);
            HttpResponse<String> answer = client.send(java.net.http.HttpRequest.newBuilder(URI.create(broker.url()
                    + "/v1/proxy/openai/chat/completions")).header("Content-Type", "application/json")
                    .header("Authorization", "Bearer " + token)
                    .POST(BodyPublishers.fromPublisher(JdkFlowAdapter.publisherToFlowPublisher(parts),
                            head.length + tail.length)).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(answer.statusCode()).isEqualTo(200);
        }
        assertThat(fake.recorder().requests).hasSize(30)
                .allMatch(seen -> seen.body().equals("{\"model\":\"gpt-4o\",\"messages\":[]}"));
        // One pooled connection per event loop at most: the broker has two here.
        assertThat(fake.recorder().clientPorts).as("connections the broker opened to the provider")
                .hasSizeLessThanOrEqualTo(2);
    }

    /**
     * Bodies up to micronaut.server.max-request-size arrive byte for byte; larger ones are a 413, not a 502, and
     * cost the token no use, whether they say their size up front or not.
     */
    @Test
    void bodiesUpToTheLimitArriveIntactAndLargerOnesAre413() throws Exception {
        String large = "{\"model\":\"gpt-4o\",\"input\":\"" + "x".repeat(60 * 1024) + "\"}";
        Reply r = relay("/v1/proxy/openai/chat/completions", token("openai", 1), large);
        assertThat(r.status()).isEqualTo(200);
        assertThat(fake.recorder().last().body()).isEqualTo(large);

        fake.recorder().reset();
        String token = token("openai", 1);
        for (int size : new int[] {100 * 1024, 2 * 1024 * 1024}) {
            Reply tooLarge = relay("/v1/proxy/openai/chat/completions", token,
                    "{\"input\":\"" + "x".repeat(size) + "\"}");
            assertThat(tooLarge.status()).as("%d bytes", size).isEqualTo(413);
            assertThat(tooLarge.code()).isEqualTo("payload_too_large");
        }
        assertThat(fake.recorder().requests).isEmpty();
        assertThat(relay("/v1/proxy/openai/chat/completions", token, "{}").status()).as("the token's one use")
                .isEqualTo(200);

        // Without a Content-Length the body is read until it passes the limit, before the use is taken.
        fake.recorder().reset();
        String chunkedToken = token("openai", 1);
        Flux<ByteBuffer> chunks = Flux.range(0, 64).map(i -> ByteBuffer.wrap(new byte[32 * 1024]));
        HttpResponse<String> chunked = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()
                .send(java.net.http.HttpRequest.newBuilder(URI.create(broker.url()
                        + "/v1/proxy/openai/chat/completions")).header("Content-Type", "application/octet-stream")
                        .header("Authorization", "Bearer " + chunkedToken)
                        .POST(BodyPublishers.fromPublisher(JdkFlowAdapter.publisherToFlowPublisher(chunks))).build(),
                        HttpResponse.BodyHandlers.ofString());
        assertThat(chunked.statusCode()).isEqualTo(413);
        assertThat(chunked.body()).contains("payload_too_large");
        assertThat(fake.recorder().requests).isEmpty();
        assertThat(relay("/v1/proxy/openai/chat/completions", chunkedToken, "{}").status()).as("its use kept")
                .isEqualTo(200);
    }

    @Test
    void tokenForAnotherProviderIsRefusedWithoutReachingTheProvider() {
        String token = token("anthropic", 2);
        Reply r = relay("/v1/proxy/openai/chat/completions", token, "{}");
        assertThat(r.status()).isEqualTo(401);
        assertThat(r.code()).isEqualTo("invalid_token");
        assertThat(fake.recorder().requests).isEmpty();
        assertThat(relay("/v1/proxy/openai/chat/completions", "eph_garbage", "{}").code()).isEqualTo("invalid_token");
        assertThat(broker.send(HttpRequest.POST("/v1/proxy/openai/chat/completions", "{}")
                .contentType(MediaType.APPLICATION_JSON_TYPE)).code()).isEqualTo("invalid_token");
    }

    @Test
    void serverSentEventsReachTheClientBeforeTheStreamEnds() throws Exception {
        String token = token("openai", 1);
        HttpClient client = HttpClient.newHttpClient();
        var request = java.net.http.HttpRequest.newBuilder(URI.create(broker.url() + "/v1/proxy/openai/stream"))
                .header("Authorization", "Bearer " + token).header("Content-Type", "application/json")
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString("{\"stream\":true}"))
                .timeout(Duration.ofSeconds(20)).build();
        HttpResponse<java.io.InputStream> response = client.send(request, HttpResponse.BodyHandlers.ofInputStream());
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("content-type").orElse("")).startsWith("text/event-stream");
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(response.body(),
                StandardCharsets.UTF_8))) {
            String first = nextData(reader);
            // The fake holds the rest of the stream until this point: a buffering relay would never get here.
            assertThat(first).isEqualTo("{\"delta\":\"first\"}");
            assertThat(fake.streamGate().getCount()).isEqualTo(1);
            fake.streamGate().countDown();
            assertThat(nextData(reader)).isEqualTo("{\"delta\":\"second\"}");
            assertThat(nextData(reader)).isEqualTo("[DONE]");
        }
    }

    private static String nextData(BufferedReader reader) throws java.io.IOException {
        String line;
        while ((line = reader.readLine()) != null) {
            if (line.startsWith("data:")) {
                return line.substring(5).trim();
            }
        }
        return null;
    }

    @Test
    void providerRefusingTheKeyIsA502ThatQuotesNoKey() {
        String token = token("openai", 1);
        Reply r = broker.send(HttpRequest.GET("/v1/proxy/openai/refuses").bearerAuth(token));
        assertThat(r.status()).isEqualTo(502);
        assertThat(r.code()).isEqualTo("upstream_error");
        assertThat(r.body()).doesNotContain(Broker.OPENAI_KEY).doesNotContain("sk-test");
    }

    @Test
    void slowOrDownUpstreamIsA502WithinTheTimeout() {
        long started = System.nanoTime();
        Reply slow = broker.send(HttpRequest.GET("/v1/proxy/openai/slow").bearerAuth(token("openai", 1)));
        assertThat(slow.status()).isEqualTo(502);
        assertThat(slow.code()).isEqualTo("upstream_error");
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(4));
        Reply down = relay("/v1/proxy/mistral/chat/completions", token("mistral", 1), "{}");
        assertThat(down.status()).isEqualTo(502);
        assertThat(down.code()).isEqualTo("upstream_error");
        assertThat(broker.get("/health/readiness", null).status()).isEqualTo(200);
    }

    @ParameterizedTest
    @MethodSource("escapes")
    void pathsThatCouldLeaveTheProviderAreRefused(String path) {
        String token = token("openai", 1);
        Reply r = broker.send(HttpRequest.GET("/v1/proxy/openai/" + path).bearerAuth(token));
        assertThat(r.code()).as(path).isIn("invalid_request", "endpoint_not_allowed");
        assertThat(fake.recorder().requests).as(path).isEmpty();
        assertThat(relay("/v1/proxy/openai/chat/completions", token, "{}").status()).as("use kept").isEqualTo(200);
    }

    static Stream<String> escapes() {
        return Stream.of("..%2f..%2fsecret", "%2e%2e/%2e%2e/other", "echo/%2E%2E/%2E%2E/x", "echo/..;/x",
                "echo%2f..%2f..%2fx", "echo//evil.example/x", "http:%2f%2fevil.example", "echo/%5c..%5cx",
                "echo/%252e%252e/x", "@evil.example/x", "echo/%00");
    }

    @Test
    void plainSubpathsAndQueriesAreKept() {
        Reply r = broker.send(HttpRequest.GET("/v1/proxy/openai/echo/models:generate?alt=sse&x=1")
                .bearerAuth(token("openai", 1)));
        assertThat(r.status()).isEqualTo(200);
        assertThat(fake.recorder().last().path()).isEqualTo("/fake/openai/echo/models:generate?alt=sse&x=1");
    }
}

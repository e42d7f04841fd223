package dev.ephemera.devprovider;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.ephemera.provider.ProviderRegistry;
import dev.ephemera.support.Broker;
import dev.ephemera.support.Broker.Reply;
import dev.ephemera.support.LogCapture;
import dev.ephemera.support.WsClient;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.MediaType;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The broker as {@code ./mvnw mn:run} starts it ({@link Broker#dev}): it starts (the development admin key was
 * refused on every machine before: a placeholder for "no Redis" resolved to "}"), the {@code echo} provider answers
 * realtime sessions and chat completions (JSON and SSE) through the ordinary relays with its usage counted, the demo
 * page's credential is handed only to this machine, and none of it exists outside the {@code dev} environment or
 * with a shared store unless allowed.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DevEnvironmentTest {

    private static final String LIVE = "/ws/google.ai.generativelanguage.v1beta.GenerativeService"
            + ".BidiGenerateContent";

    private LogCapture logs;
    private Broker broker;
    private String key;

    @BeforeAll
    void start() {
        logs = new LogCapture();
        broker = Broker.dev(Map.of());
        Reply credential = broker.get("/demo/credential", null);
        assertThat(credential.status()).isEqualTo(200);
        assertThat(credential.headers().get("Cache-Control")).isEqualTo("no-store");
        key = credential.string("key");
    }

    @AfterAll
    void stop() {
        if (broker != null) {
            broker.close();
        }
        logs.close();
    }

    @Test
    void startsWarningOfEverythingThatIsForDevelopmentOnly() {
        assertThat(logs.all()).contains("Development provider 'echo' active", "Development credential active",
                "Development admin key active");
        assertThat(logs.all()).doesNotContain(key);
    }

    @Test
    @SuppressWarnings("unchecked")
    void echoAnswersARealtimeSessionThroughTheRelayInOpenAisEventsWithItsUsageCounted() throws Exception {
        Reply token = broker.mint(key, Map.of("provider", "echo", "model", "echo-realtime",
                "session", Map.of("instructions", "Repeat after me."), "locked_fields", List.of("instructions")));
        WsClient ws = WsClient.connect(broker.url().replaceFirst("^http", "ws") + "/v1/realtime?model=echo-realtime",
                List.of("ephemera", "ephemera-token." + token.string("value")), Map.of());
        assertThat(ws.next().text()).contains("\"type\":\"session.created\"", "\"model\":\"echo-realtime\"");
        // The relay sent the token's locked configuration first.
        assertThat(ws.next().text()).contains("\"type\":\"session.updated\"", "Repeat after me.");
        send(ws, "{\"type\":\"session.update\",\"session\":{\"instructions\":\"Say something else.\"}}");
        assertThat(ws.next().text()).contains("\"type\":\"error\"", "locked_field");
        send(ws, "{\"type\":\"conversation.item.create\",\"item\":{\"type\":\"message\",\"role\":\"user\","
                + "\"content\":[{\"type\":\"input_text\",\"text\":\"hello echo\"}]}}");
        assertThat(ws.next().text()).contains("conversation.item.added", "hello echo");
        send(ws, "{\"type\":\"response.create\",\"response\":{\"max_output_tokens\":3}}");
        assertThat(ws.next().text()).contains("response.created");
        assertThat(ws.next().text()).contains("response.output_text.delta", "\"delta\":\"You\"");
        assertThat(ws.next().text()).contains("\"delta\":\" said:\"");
        assertThat(ws.next().text()).contains("\"delta\":\" hello\"");
        assertThat(ws.next().text()).contains("response.output_text.done", "\"text\":\"You said: hello\"");
        String done = ws.next().text();
        // 3 words of instructions and 2 said in; 3 out, cut at max_output_tokens.
        assertThat(done).contains("response.done", "\"status\":\"incomplete\"", "\"input_tokens\":5",
                "\"output_tokens\":3", "\"total_tokens\":8");
        ws.socket.sendClose(1000, "done").get(5, TimeUnit.SECONDS);
        assertThat(ws.closeCode.get(5, TimeUnit.SECONDS)).isEqualTo(1000);
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat((Map<String, Object>) broker.get(
                "/v1/tokens/" + token.string("id"), key).json().get("usage")).containsEntry("input_tokens", 5)
                .containsEntry("output_tokens", 3).containsEntry("total_tokens", 8).containsEntry("responses", 1));
    }

    @Test
    void echoAnswersChatCompletionsThroughTheHttpRelayAsJsonAndAsAStream() {
        String token = broker.mint(key, Map.of("provider", "echo", "max_uses", 2)).string("value");
        Reply whole = broker.postJson("/v1/proxy/echo/chat/completions", token, Map.of("model", "echo-chat",
                "messages", List.of(Map.of("role", "system", "content", "Be brief."),
                        Map.of("role", "user", "content", "hi there"))));
        assertThat(whole.status()).isEqualTo(200);
        assertThat(whole.body()).contains("\"object\":\"chat.completion\"", "\"content\":\"You said: hi there\"",
                "\"finish_reason\":\"stop\"", "\"prompt_tokens\":4", "\"completion_tokens\":4");
        Reply stream = broker.send(HttpRequest.POST("/v1/proxy/echo/chat/completions", "{\"model\":\"echo-chat\","
                + "\"stream\":true,\"stream_options\":{\"include_usage\":true},\"messages\":[{\"role\":\"user\","
                + "\"content\":\"hi there\"}]}").contentType(MediaType.APPLICATION_JSON_TYPE).bearerAuth(token));
        assertThat(stream.status()).isEqualTo(200);
        assertThat(stream.headers().get("Content-Type")).startsWith("text/event-stream");
        assertThat(stream.body()).contains("\"delta\":{\"content\":\" there\"}", "\"completion_tokens\":4",
                "data: [DONE]");
    }

    @Test
    void theEchoProviderRefusesARequestWithoutItsKey() throws Exception {
        String base = broker.get("/v1/admin/providers", "dev-admin-key-0123456789abcdef0123456789").body();
        String url = base.replaceAll("(?s).*\"name\":\"echo\"[^}]*\"base_url\":\"([^\"]+)\".*", "$1");
        assertThat(url).startsWith("http://127.0.0.1:");
        assertThat(base).contains("\"key_source\":\"built in, made at start-up\"").doesNotContain("echo-");
        java.net.http.HttpResponse<String> direct = java.net.http.HttpClient.newHttpClient().send(
                java.net.http.HttpRequest.newBuilder(java.net.URI.create(url + "/chat/completions"))
                        .POST(java.net.http.HttpRequest.BodyPublishers.ofString("{}")).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        assertThat(direct.statusCode()).isEqualTo(401);
        assertThat(direct.body()).contains("invalid_api_key");
    }

    @Test
    void theCredentialIsHandedOnlyToAPageOnThisMachine() {
        assertThat(broker.send(HttpRequest.GET("/demo/credential").header("Host", "evil.example")).code())
                .isEqualTo("origin_not_allowed");
        assertThat(broker.send(HttpRequest.GET("/demo/credential").header("X-Forwarded-For", "203.0.113.9"))
                .code()).isEqualTo("origin_not_allowed");
        assertThat(broker.send(HttpRequest.GET("/demo/credential").header("Sec-Fetch-Site", "cross-site"))
                .status()).isEqualTo(403);
        // The same key each time, with read and write only.
        assertThat(broker.get("/demo/credential", null).string("key")).isEqualTo(key);
        assertThat(broker.get("/v1/admin/keys", key).status()).isEqualTo(403);
    }

    /** Any sign of a proxy in front: then the broker cannot tell where the page is, so it is not on this machine. */
    @ParameterizedTest
    @ValueSource(strings = {"X-Real-IP", "X-Forwarded-Host", "X-Forwarded-Proto", "Via", "Forwarded",
        "X-Forwarded-For", "X-Forwarded-Port", "X-Forwarded-Server", "X-Original-Forwarded-For", "True-Client-IP",
        "CF-Connecting-IP", "X-Client-IP", "X-Cluster-Client-IP", "Fastly-Client-IP", "x-forwarded-prefix",
        "X-FORWARDED-SSL", "X-Forwarded-Anything-New",
        // more of the same family, found by the black-box review
        "Forwarded-For", "X-Forwarded", "X-Original-URL", "X-Original-Host", "X-Host", "CDN-Loop",
        "X-Envoy-External-Address", "X-Azure-ClientIP", "Fly-Client-IP", "X-Vercel-Forwarded-For",
        "Front-End-Https", "X-Url-Scheme", "CF-Ray"})
    void anyForwardingHeaderRefusesTheCredential(String header) {
        Reply refused = broker.send(HttpRequest.GET("/demo/credential").header(header, "127.0.0.1"));
        assertThat(refused.status()).as(header).isEqualTo(403);
        assertThat(refused.code()).as(header).isEqualTo("origin_not_allowed");
        assertThat(refused.body()).as(header).doesNotContain(key);
    }

    @Test
    void aForeignOriginRefusesTheCredentialWhateverElseTheRequestSays() {
        Reply refused = broker.send(HttpRequest.GET("/demo/credential").header("Sec-Fetch-Site", "same-origin")
                .header("Origin", "http://evil.example"));
        assertThat(refused.status()).isEqualTo(403);
        assertThat(refused.body()).doesNotContain(key);
    }

    @Test
    void noneOfItOutsideTheDevelopmentEnvironment() {
        try (Broker plain = Broker.inMemory(Map.of())) {
            assertThat(plain.postJson("/v1/tokens", Broker.ADMIN_KEY, Map.of("provider", "echo")).code())
                    .isEqualTo("unknown_provider");
            assertThat(plain.get("/demo/credential", null).status()).isEqualTo(404);
        }
    }

    @Test
    void refusedWithASharedStoreUnlessAllowed() {
        Map<String, Object> redis = Map.of("redis.uri", "redis://127.0.0.1:1", "ephemera.admin-key",
                "a-secret-admin-key-of-our-own-0123456789", "ephemera.demo.dev-credential", "false");
        assertThatThrownBy(() -> Broker.dev(redis).close()).hasStackTraceContaining(
                "ephemera.dev-provider.enabled is for development, and a shared store");
        assertThatThrownBy(() -> Broker.dev(Map.of("redis.uri", "redis://127.0.0.1:1", "ephemera.admin-key",
                "a-secret-admin-key-of-our-own-0123456789", "ephemera.dev-provider.enabled", "false",
                "ephemera.profiles.demo.provider", "openai")).close())
                .hasStackTraceContaining("ephemera.demo.dev-credential is for development, and a shared store");
        try (Broker allowed = Broker.dev(Map.of("redis.uri", "redis://127.0.0.1:1", "ephemera.admin-key",
                "a-secret-admin-key-of-our-own-0123456789", "ephemera.dev-provider.allow-with-redis", "true"))) {
            assertThat(allowed.context().getBean(dev.ephemera.provider.ProviderRegistry.class).isKnown("echo"))
                    .isTrue();
        }
    }

    /**
     * Where the Live relay looks for the provider's Live API ({@code Provider.liveUri()}: for echo, its base URL as
     * {@code ws} and {@code /ws/google.ai.generativelanguage.v1beta.GenerativeService.BidiGenerateContent}), and the
     * same under the base URL's origin, with the headers the registry gives for its key, the echo provider answers.
     */
    @Test
    void echoSpeaksGeminiLiveWhereTheRelayLooksForItWithTheRegistrysHeaders() throws Exception {
        ProviderRegistry registry = broker.context().getBean(ProviderRegistry.class);
        String live = registry.require("echo").liveUri().toString();
        String origin = registry.require("echo").baseUri().resolve("/").toString().replaceFirst("^http", "ws");
        assertThat(live).isEqualTo(registry.require("echo").baseUri().toString().replaceFirst("^http", "ws") + LIVE);
        for (String url : List.of(live, origin + LIVE.substring(1))) {
            WsClient ws = WsClient.connect(url, List.of(), registry.upstreamHeaders("echo"));
            send(ws, "{\"setup\":{\"model\":\"models/echo-live\"}}");
            assertThat(ws.next().bytes()).as(url).asString(StandardCharsets.UTF_8).isEqualTo("{\"setupComplete\":{}}");
            ws.socket.sendClose(1000, "done").get(5, TimeUnit.SECONDS);
        }
    }

    /**
     * A Gemini Live session with echo through the broker's relay, as the demo page opens it: the token in {@code
     * ?key=}, a setup, a turn echoed in binary frames, the provider's usage, and that usage counted on the token.
     */
    @Test
    @SuppressWarnings("unchecked")
    void echoAnswersAGeminiLiveSessionThroughTheRelayWithItsUsageCounted() throws Exception {
        Reply token = broker.mint(key, Map.of("provider", "echo", "model", "echo-live", "max_uses", 1,
                "limits", Map.of("max_total_tokens", 2000)));
        assertThat(token.status()).as(token.body()).isEqualTo(201);
        WsClient ws = WsClient.connect(broker.url().replaceFirst("^http", "ws") + "/v1/proxy/echo" + LIVE + "?key="
                + token.string("value"), List.of(), Map.of());
        // Its output capped: a session that could not pay for one more unbounded turn under the token's limit would
        // be ended after this one.
        send(ws, "{\"setup\":{\"model\":\"models/echo-live\",\"generationConfig\":{\"responseModalities\":"
                + "[\"TEXT\"],\"maxOutputTokens\":100},\"systemInstruction\":{\"parts\":[{\"text\":"
                + "\"Repeat after me.\"}]}}}");
        assertThat(text(ws.next())).isEqualTo("{\"setupComplete\":{}}");
        send(ws, "{\"clientContent\":{\"turns\":[{\"role\":\"user\",\"parts\":[{\"text\":\"hello echo\"}]}],"
                + "\"turnComplete\":true}}");
        StringBuilder said = new StringBuilder();
        String message;
        do {
            message = text(ws.next());
            said.append(message.replaceAll("(?s).*\"text\":\"([^\"]*)\".*|.*", "$1"));
        } while (!message.contains("usageMetadata"));
        assertThat(said.toString()).isEqualTo("echo: hello echo");
        // 3 words of instructions and 2 said in; 3 out.
        assertThat(message).contains("\"promptTokenCount\":5,", "\"responseTokenCount\":3,");
        ws.socket.sendClose(1000, "done").get(5, TimeUnit.SECONDS);
        assertThat(ws.closeCode.get(5, TimeUnit.SECONDS)).isEqualTo(1000);
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat((Map<String, Object>) broker.get(
                "/v1/tokens/" + token.string("id"), key).json().get("usage")).containsEntry("input_tokens", 5)
                .containsEntry("output_tokens", 3).containsEntry("total_tokens", 8).containsEntry("responses", 1));
    }

    /** A message's text: Gemini Live's come as binary frames of UTF-8 JSON, which a relay may pass on as text. */
    private static String text(WsClient.Message message) {
        return message.text() != null ? message.text() : new String(message.bytes(), StandardCharsets.UTF_8);
    }

    private static void send(WsClient ws, String text) throws Exception {
        ws.socket.sendText(text, true).get(5, TimeUnit.SECONDS);
    }
}

package dev.ephemera.trace;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ephemera.support.Broker;
import dev.ephemera.support.FakeUpstream;
import dev.ephemera.support.HookReceiver;
import dev.ephemera.support.LogCapture;
import dev.ephemera.support.OtlpReceiver;
import dev.ephemera.support.OtlpReceiver.Received;
import dev.ephemera.support.TestRedis;
import dev.ephemera.support.WsClient;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.MediaType;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Traces as a collector receives them (a real OTLP/HTTP receiver, OpenTelemetry's protobuf): a backend's mint, the
 * browser's WebSocket session with two responses, and the revocation are one trace followed from the backend's
 * {@code traceparent}; the spans carry the GenAI conventions' attributes and ids, never a secret; the audit lines
 * carry the trace's ids; what a browser sends as {@code traceparent} is never taken nor forwarded.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TracesTest {

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Pattern TRACE_ID = Pattern.compile("\"trace_id\":\"([0-9a-f]{32})\"");

    private OtlpReceiver otlp;
    private FakeUpstream fake;
    private Broker broker;
    private String key;

    @BeforeAll
    void start() throws Exception {
        otlp = new OtlpReceiver();
        fake = new FakeUpstream();
        broker = Broker.onRedis(TestRedis.uri(), Map.of(
                "ephemera.providers.openai.realtime-url", fake.websocketBase("sdk") + "/realtime",
                "ephemera.providers.openai.base-url", fake.base("openai"),
                "ephemera.tracing.propagate-to-providers", true,
                "otel.exporter.otlp.endpoint", otlp.endpoint(),
                "otel.bsp.schedule.delay", "50ms",
                "otel.service.name", "ephemera-test",
                "ephemera.webhooks.allow-private-targets", true));
        key = broker.createKey("write", "read", "webhook");
    }

    @AfterAll
    void stop() {
        broker.close();
        fake.close();
        otlp.close();
    }

    private static String hex(int bytes) {
        byte[] random = new byte[bytes];
        RANDOM.nextBytes(random);
        return HexFormat.of().formatHex(random);
    }

    private Broker.Reply mint(String traceParent) {
        return broker.send(HttpRequest.POST("/v1/tokens", "{\"provider\":\"openai\",\"model\":\"gpt-realtime\"}")
                .contentType(MediaType.APPLICATION_JSON_TYPE).bearerAuth(key).header("traceparent", traceParent));
    }

    /** Sends response.create and waits for its response.done. */
    private static void respond(WsClient client) throws Exception {
        client.socket.sendText("{\"type\":\"response.create\"}", true).get(5, TimeUnit.SECONDS);
        for (;;) {
            String text = client.next().text();
            if (text.contains("\"response.done\"") && text.contains("\"usage\"")) {
                return;
            }
        }
    }

    @Test
    void aBackendsMintTheBrowsersSessionAndTheRevocationAreOneTraceWithoutASecret() throws Exception {
        String traceId = hex(16);
        String backendSpan = hex(8);
        try (LogCapture logs = new LogCapture()) {
            Broker.Reply minted = mint("00-" + traceId + "-" + backendSpan + "-01");
            assertThat(minted.status()).isEqualTo(201);
            String token = minted.string("value");
            String tokenId = minted.string("id");
            // The browser names a trace of its own: it is not taken.
            String browserTrace = hex(16);
            WsClient client = WsClient.connect(broker.url().replaceFirst("^http", "ws")
                    + "/v1/realtime?model=gpt-realtime", List.of("ephemera", "ephemera-token." + token),
                    Map.of("traceparent", "00-" + browserTrace + "-" + hex(8) + "-01"));
            respond(client);
            respond(client);
            client.socket.sendClose(1000, "").get(5, TimeUnit.SECONDS);
            client.closeCode.get(5, TimeUnit.SECONDS);
            assertThat(broker.send(HttpRequest.DELETE("/v1/tokens/" + tokenId).bearerAuth(key)
                    .header("traceparent", "00-" + traceId + "-" + hex(8) + "-01")).status()).isEqualTo(204);

            await().atMost(Duration.ofSeconds(10)).until(() -> !otlp.named("revoke").isEmpty()
                    && !otlp.named("realtime gpt-realtime").isEmpty());
            Received mint = otlp.named("mint").stream().filter(s -> s.traceId().equals(traceId)).findFirst()
                    .orElseThrow(() -> new AssertionError("no mint span in the backend's trace: " + otlp.spans));
            assertThat(mint.parentSpanId()).isEqualTo(backendSpan);
            assertThat(mint.kind()).isEqualTo("SPAN_KIND_SERVER");
            assertThat(mint.attributes()).containsEntry("ephemera.token.id", tokenId)
                    .containsEntry("gen_ai.provider.name", "openai").containsEntry("gen_ai.request.model",
                            "gpt-realtime").containsKey("ephemera.key.id");
            assertThat(mint.resource()).containsEntry("service.name", "ephemera-test");

            Received redeem = otlp.named("redeem").stream().filter(s -> tokenId.equals(
                    s.attributes().get("ephemera.token.id"))).findFirst().orElseThrow();
            assertThat(redeem.traceId()).isEqualTo(traceId);
            assertThat(redeem.parentSpanId()).isEqualTo(mint.spanId());

            Received session = otlp.named("realtime gpt-realtime").getFirst();
            assertThat(session.traceId()).as("the session follows the token's mint, not the browser's trace")
                    .isEqualTo(traceId).isNotEqualTo(browserTrace);
            assertThat(session.parentSpanId()).isEqualTo(mint.spanId());
            assertThat(session.attributes()).containsEntry("gen_ai.operation.name", "realtime")
                    .containsEntry("gen_ai.provider.name", "openai")
                    .containsEntry("gen_ai.request.model", "gpt-realtime")
                    .containsEntry("ephemera.token.id", tokenId)
                    .containsEntry("ephemera.transport", "websocket")
                    .containsEntry("ephemera.close.reason", "client_closed")
                    .containsEntry("gen_ai.usage.input_tokens", 40L)
                    .containsEntry("gen_ai.usage.output_tokens", 20L)
                    .containsEntry("ephemera.usage.responses", 2L)
                    .containsKey("ephemera.session.id");
            assertThat(session.attributes().get("gen_ai.conversation.id"))
                    .isEqualTo(session.attributes().get("ephemera.session.id"));
            assertThat(session.events()).hasSize(2).allSatisfy(event -> {
                assertThat(event.name()).isEqualTo("gen_ai.response");
                assertThat(event.attributes()).containsEntry("gen_ai.usage.input_tokens", 20L)
                        .containsEntry("gen_ai.usage.output_tokens", 10L);
            });

            Received revoke = otlp.named("revoke").getFirst();
            assertThat(revoke.traceId()).isEqualTo(traceId);
            assertThat(revoke.attributes()).containsEntry("ephemera.token.id", tokenId);

            // No secret in anything exported: the token, the caller's key, the provider's key, the admin key.
            String exported = otlp.exports.stream().map(b -> new String(b, StandardCharsets.ISO_8859_1))
                    .reduce("", String::concat);
            assertThat(exported).doesNotContain(token, key, Broker.OPENAI_KEY, Broker.ADMIN_KEY)
                    .doesNotContain(token.substring(4, 24));

            // The audit lines of the mint, the redemption and the revocation carry the backend's trace.
            List<String> audit = logs.all().lines().filter(l -> l.startsWith("ephemera.audit ")
                    && l.contains(tokenId)).toList();
            assertThat(audit).filteredOn(l -> l.contains("\"event\":\"token.minted\"")).singleElement()
                    .satisfies(l -> assertThat(traceOf(l)).isEqualTo(traceId))
                    .asString().contains("\"span_id\":\"" + mint.spanId() + "\"");
            assertThat(audit).filteredOn(l -> l.contains("\"event\":\"token.redeemed\"")).singleElement()
                    .satisfies(l -> assertThat(traceOf(l)).isEqualTo(traceId));
            assertThat(audit).filteredOn(l -> l.contains("\"event\":\"token.revoked\"")).singleElement()
                    .satisfies(l -> assertThat(traceOf(l)).isEqualTo(traceId));
        }
    }

    private static String traceOf(String line) {
        Matcher m = TRACE_ID.matcher(line);
        return m.find() ? m.group(1) : null;
    }

    @Test
    void aRelayedRequestIsAChildOfTheMintAndTheProviderSeesTheTraceOnlyAsTheBrokerSendsIt() {
        String traceId = hex(16);
        Broker.Reply minted = broker.send(HttpRequest.POST("/v1/tokens", "{\"provider\":\"openai\"}")
                .contentType(MediaType.APPLICATION_JSON_TYPE).bearerAuth(key)
                .header("traceparent", "00-" + traceId + "-" + hex(8) + "-01"));
        String token = minted.string("value");
        String browserTrace = hex(16);
        int before = fake.recorder().requests.size();
        Broker.Reply relayed = broker.send(HttpRequest.POST("/v1/proxy/openai/chat/completions",
                "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}")
                .contentType(MediaType.APPLICATION_JSON_TYPE).bearerAuth(token)
                .header("traceparent", "00-" + browserTrace + "-" + hex(8) + "-01"));
        assertThat(relayed.status()).isEqualTo(200);
        List<String> sent = fake.recorder().requests.get(before).headers("traceparent");
        assertThat(sent).as("one traceparent, the broker's, in the token's trace").singleElement().asString()
                .startsWith("00-" + traceId + "-").doesNotContain(browserTrace);

        await().atMost(Duration.ofSeconds(10)).until(() -> otlp.spans.stream().anyMatch(s ->
                s.name().startsWith("chat ") && s.traceId().equals(traceId)));
        Received request = otlp.spans.stream().filter(s -> s.name().startsWith("chat ")
                && s.traceId().equals(traceId)).findFirst().orElseThrow();
        assertThat(request.name()).isEqualTo("chat gpt-4o-mini");
        assertThat(request.kind()).isEqualTo("SPAN_KIND_CLIENT");
        assertThat(request.attributes()).containsEntry("gen_ai.operation.name", "chat")
                .containsEntry("gen_ai.provider.name", "openai").containsEntry("http.response.status_code", 200L)
                .containsEntry("ephemera.token.id", minted.string("id"));
        assertThat(sent.getFirst()).contains("-" + request.spanId() + "-");
    }

    @Test
    void aRefusedRedemptionIsASpanWithItsErrorCode() {
        Broker.Reply relayed = broker.send(HttpRequest.POST("/v1/proxy/openai/chat/completions",
                "{\"model\":\"gpt-4o-mini\",\"messages\":[]}").contentType(MediaType.APPLICATION_JSON_TYPE)
                .bearerAuth("eph_" + "A".repeat(43)));
        assertThat(relayed.status()).isEqualTo(401);
        await().atMost(Duration.ofSeconds(10)).until(() -> otlp.named("redeem").stream().anyMatch(s ->
                "invalid_token".equals(s.attributes().get("error.type"))));
        assertThat(otlp.named("redeem").stream().filter(s -> "invalid_token".equals(s.attributes()
                .get("error.type"))).findFirst().orElseThrow().status()).isEqualTo("STATUS_CODE_ERROR");
    }

    @Test
    void eachWebhookDeliveryIsASpanWithItsOutcome() {
        try (HookReceiver receiver = new HookReceiver()) {
            Broker.Reply subscription = broker.postJson("/v1/webhooks", key, Map.of("url", receiver.url(),
                    "events", List.of("token.revoked")));
            assertThat(subscription.status()).isEqualTo(201);
            String tokenId = broker.mint(key, Map.of("provider", "openai")).string("id");
            assertThat(broker.delete("/v1/tokens/" + tokenId, key).status()).isEqualTo(204);
            await().atMost(Duration.ofSeconds(10)).until(() -> receiver.got(tokenId));
            await().atMost(Duration.ofSeconds(10)).until(() -> !otlp.named("webhook token.revoked").isEmpty());
            Received delivery = otlp.named("webhook token.revoked").getFirst();
            assertThat(delivery.kind()).isEqualTo("SPAN_KIND_CLIENT");
            assertThat(delivery.attributes()).containsEntry("ephemera.webhook.id", subscription.string("id"))
                    .containsEntry("ephemera.webhook.outcome", "delivered")
                    .containsEntry("ephemera.webhook.result", "204").containsEntry("ephemera.webhook.attempt", 1L)
                    .containsKey("ephemera.webhook.delivery.id");
            String exported = otlp.exports.stream().map(b -> new String(b, StandardCharsets.ISO_8859_1))
                    .reduce("", String::concat);
            assertThat(exported).as("no signing secret").doesNotContain(subscription.string("secret"));
            broker.delete("/v1/webhooks/" + subscription.string("id"), key);
        }
    }

    /** A request's model is the client's: a span never carries kilobytes of it, nor control characters. */
    @Test
    void aClientsOutlandishModelNeverReachesASpan() {
        String traceId = hex(16);
        String token = broker.send(HttpRequest.POST("/v1/tokens", "{\"provider\":\"openai\"}")
                .contentType(MediaType.APPLICATION_JSON_TYPE).bearerAuth(key)
                .header("traceparent", "00-" + traceId + "-" + hex(8) + "-01")).string("value");
        String model = "m" + "x".repeat(4000) + "\u0000\n";
        broker.send(HttpRequest.POST("/v1/proxy/openai/chat/completions", "{\"model\":\"" + model.replace("\u0000",
                "\\u0000").replace("\n", "\\n") + "\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}")
                .contentType(MediaType.APPLICATION_JSON_TYPE).bearerAuth(token));
        await().atMost(Duration.ofSeconds(10)).until(() -> otlp.spans.stream().anyMatch(s ->
                s.name().startsWith("chat") && s.traceId().equals(traceId)));
        Received request = otlp.spans.stream().filter(s -> s.name().startsWith("chat")
                && s.traceId().equals(traceId)).findFirst().orElseThrow();
        assertThat(request.name()).isEqualTo("chat");
        assertThat(request.attributes()).doesNotContainKey("gen_ai.request.model")
                .containsEntry("gen_ai.operation.name", "chat");
    }

    /** By default a provider sees no trace at all: neither the broker's nor the one a browser sent. */
    @Test
    void withoutPropagationTheProviderSeesNoTraceparent() {
        try (Broker quiet = Broker.inMemory(Map.of("ephemera.providers.openai.base-url", fake.base("openai"),
                "otel.exporter.otlp.endpoint", otlp.endpoint()))) {
            String own = quiet.createKey("write");
            String token = quiet.send(HttpRequest.POST("/v1/tokens", "{\"provider\":\"openai\"}")
                    .contentType(MediaType.APPLICATION_JSON_TYPE).bearerAuth(own)
                    .header("traceparent", "00-" + hex(16) + "-" + hex(8) + "-01")).string("value");
            int before = fake.recorder().requests.size();
            assertThat(quiet.send(HttpRequest.POST("/v1/proxy/openai/chat/completions",
                    "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}")
                    .contentType(MediaType.APPLICATION_JSON_TYPE).bearerAuth(token)
                    .header("traceparent", "00-" + hex(16) + "-" + hex(8) + "-01")).status()).isEqualTo(200);
            assertThat(fake.recorder().requests.get(before).headers("traceparent")).isEmpty();
        }
    }

    /**
     * Found by the black-box attack: a model the broker does not know (prices) is the client's text, maybe a secret
     * (its own token, named as the model): it is not exported.
     */
    @Test
    void aModelTheBrokerDoesNotKnowIsNotExported() {
        String traceId = hex(16);
        Broker.Reply minted = broker.send(HttpRequest.POST("/v1/tokens", "{\"provider\":\"openai\",\"max_uses\":2}")
                .contentType(MediaType.APPLICATION_JSON_TYPE).bearerAuth(key)
                .header("traceparent", "00-" + traceId + "-" + hex(8) + "-01"));
        String token = minted.string("value");
        // (Not the token itself, which the provider would then be sent: the fake refuses to see one.)
        String unknown = "private-" + hex(20);
        broker.send(HttpRequest.POST("/v1/proxy/openai/chat/completions", "{\"model\":\"" + unknown
                + "\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}")
                .contentType(MediaType.APPLICATION_JSON_TYPE).bearerAuth(token));
        await().atMost(Duration.ofSeconds(10)).until(() -> otlp.spans.stream().anyMatch(s ->
                s.name().startsWith("chat") && s.traceId().equals(traceId)));
        assertThat(otlp.spans.stream().filter(s -> s.traceId().equals(traceId) && s.name().startsWith("chat")))
                .singleElement().satisfies(span -> {
                    assertThat(span.name()).isEqualTo("chat");
                    assertThat(span.attributes()).doesNotContainKey("gen_ai.request.model");
                });
        String exported = otlp.exports.stream().map(b -> new String(b, StandardCharsets.ISO_8859_1))
                .reduce("", String::concat);
        assertThat(exported).doesNotContain(unknown);
    }
}

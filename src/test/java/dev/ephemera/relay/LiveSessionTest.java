package dev.ephemera.relay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ephemera.support.Broker;
import dev.ephemera.support.Broker.Reply;
import dev.ephemera.support.FakeCalls;
import dev.ephemera.support.FakeRecorder;
import dev.ephemera.support.FakeUpstream;
import dev.ephemera.support.TestIssuer;
import dev.ephemera.support.TestRedis;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.MediaType;
import io.micronaut.http.MutableHttpRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * {@code POST /v1/live/sessions}: GPT-Live for browsers through the broker, which creates the session with its key,
 * the token's config and the data-channel rules, watches it through the sideband, and answers with its own id.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LiveSessionTest {

    private static final String APP = "https://app.example.com";
    private final TestIssuer idp = new TestIssuer();
    private FakeUpstream fake;
    private Broker broker;
    private String key;

    @BeforeAll
    void start() {
        fake = new FakeUpstream();
        Map<String, Object> config = new HashMap<>(idp.brokerConfig());
        config.put("ephemera.providers.openai.base-url", fake.base("openai"));
        config.put("ephemera.profiles.live.provider", "openai");
        config.put("ephemera.profiles.live.model", "gpt-live-1");
        config.put("ephemera.profiles.live.allowed-origins", List.of(APP));
        config.put("ephemera.profiles.live.session.instructions", "Be brief.");
        config.put("ephemera.profiles.live.locked-fields", List.of("instructions"));
        config.put("ephemera.profiles.live.data-channel.allowed-client-events", List.of("response.create"));
        try {
            Path prices = Files.createTempFile("prices", ".yaml");
            prices.toFile().deleteOnExit();
            // GPT-Live billed by the minute: six cents a minute, a thousand micro-dollars a second.
            Files.writeString(prices, "models:\n  - provider: openai\n    model: gpt-live-1\n"
                    + "    usd_per_minute: \"0.06\"\n    source: test\n");
            config.put("ephemera.pricing.file", prices.toString());
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        broker = Broker.onRedis(TestRedis.uri(), config);
        key = broker.createKey("write", "read");
    }

    @AfterAll
    void stop() {
        broker.close();
        fake.close();
    }

    @BeforeEach
    void reset() {
        fake.recorder().reset();
    }

    private Reply create(String token, Map<String, Object> session) {
        Map<String, Object> body = new HashMap<>();
        body.put("transport", Map.of("type", "webrtc", "sdp", WebRtcRelayTest.OFFER));
        if (session != null) {
            body.put("session", session);
        }
        MutableHttpRequest<Object> request = HttpRequest.POST("/v1/live/sessions", (Object) body).bearerAuth(token);
        return broker.send(request);
    }

    private String mint(Map<String, Object> extra) {
        Map<String, Object> body = new HashMap<>(Map.of("provider", "openai", "model", "gpt-live-1"));
        body.putAll(extra);
        return broker.mint(key, body).string("value");
    }

    @Test
    @SuppressWarnings("unchecked")
    void createsTheLiveSessionWithTheBrokersKeyAndAnswersAsOpenAiDoes() {
        String token = mint(Map.of());
        Reply created = create(token, Map.of("model", "gpt-live-1", "audio", Map.of("output",
                Map.of("voice", "marin"))));
        assertThat(created.status()).as(created.body()).isEqualTo(200);
        Map<String, Object> session = (Map<String, Object>) created.json().get("session");
        String sessionId = (String) session.get("id");
        assertThat(sessionId).startsWith("ses_");
        assertThat((Map<String, Object>) created.json().get("transport")).containsEntry("type", "webrtc")
                .containsEntry("sdp", "v=0\r\no=- live answer\r\n");
        FakeCalls.Call call = fake.recorder().calls.last();
        assertThat(call.attachments.get()).as("watched before the answer").isEqualTo(1);
        FakeRecorder.Seen seen = fake.recorder().requests.get(0);
        assertThat(seen.path()).isEqualTo("/fake/openai/live/sessions");
        assertThat(seen.header("Authorization")).isEqualTo("Bearer " + Broker.OPENAI_KEY);
        // The page's voice, the model, and the default rules: no event that changes the session.
        assertThat(seen.body()).contains("\"voice\":\"marin\"", "\"model\":\"gpt-live-1\"",
                "\"allowed_client_events\":[\"session.input_audio.mute\",\"session.input_audio.unmute\","
                        + "\"response.create\"]", WebRtcRelayTest.OFFER.replace("\r\n", "\\r\\n"));
        assertThat(fake.recorder().requests.get(1).path()).isEqualTo("/fake/openai/live/sessions/" + call.id
                + "/attach");
        assertThat(broker.get("/v1/sessions/" + sessionId, key).status()).isEqualTo(200);
        assertThat(created.json().toString()).doesNotContain(call.id);
        assertThat(broker.delete("/v1/sessions/" + sessionId, key).status()).isEqualTo(204);
        await().atMost(Duration.ofSeconds(1)).until(() -> call.hangups.get() == 1);
        assertThat(fake.recorder().requests).anyMatch(r -> r.path().equals("/fake/openai/live/sessions/" + call.id
                + "/hangup"));
    }

    @Test
    void takesTheBareOfferToo() {
        Reply created = broker.send(HttpRequest.POST("/v1/live/sessions", WebRtcRelayTest.OFFER)
                .contentType(new MediaType("application/sdp")).bearerAuth(mint(Map.of())));
        assertThat(created.status()).isEqualTo(201);
        assertThat(created.body()).isEqualTo("v=0\r\no=- live answer\r\n");
        assertThat(created.headers().get("Location")).matches("/v1/live/sessions/ses_[A-Za-z0-9]+");
    }

    @Test
    void theProfilesRulesAndLocksHoldAndThePageCannotReplaceThem() {
        Reply minted = broker.send(HttpRequest.POST("/realtime-token", "{\"profile\":\"live\"}")
                .contentType(MediaType.APPLICATION_JSON_TYPE).bearerAuth(idp.user("alice")).header("Origin", APP));
        assertThat(minted.status()).as(minted.body()).isEqualTo(201);
        String token = minted.string("value");
        for (Map<String, Object> refused : List.<Map<String, Object>>of(
                Map.of("client", Map.of("data_channel", Map.of("allowed_client_events", "all"))),
                Map.of("instructions", "Tell secrets."))) {
            Reply reply = broker.send(HttpRequest.POST("/v1/live/sessions", (Object) Map.of("session", refused,
                    "transport", Map.of("type", "webrtc", "sdp", WebRtcRelayTest.OFFER))).bearerAuth(token)
                    .header("Origin", APP));
            assertThat(reply.status()).as(refused.toString()).isEqualTo(403);
            assertThat(reply.code()).isEqualTo("locked_field");
        }
        assertThat(fake.recorder().calls.all()).isEmpty();
        Reply created = broker.send(HttpRequest.POST("/v1/live/sessions", (Object) Map.of("transport",
                Map.of("type", "webrtc", "sdp", WebRtcRelayTest.OFFER))).bearerAuth(token).header("Origin", APP));
        assertThat(created.status()).as("the refusals took no use").isEqualTo(200);
        assertThat(fake.recorder().calls.last().created).contains("\"instructions\":\"Be brief.\"",
                "\"allowed_client_events\":[\"response.create\"]");
    }

    @Test
    void thePageCannotNameTheRulesOrTheModelUnderAnotherSpelling() {
        String token = mint(Map.of());
        for (String key : List.of("CLIENT", " client", "\uff43lient", "cl\u0131ent", "Model", "model ", "mod\u0435l")) {
            Reply refused = create(token, Map.of(key, Map.of()));
            assertThat(refused.status()).as(key).isEqualTo(400);
            assertThat(refused.code()).isEqualTo("invalid_request");
        }
        assertThat(create(token, Map.of("client", Map.of())).code()).isEqualTo("locked_field");
        Reply duplicate = broker.send(HttpRequest.POST("/v1/live/sessions", "{\"transport\":{},\"transport\":{}}")
                .contentType(MediaType.APPLICATION_JSON_TYPE).bearerAuth(token));
        assertThat(duplicate.code()).isEqualTo("invalid_json");
        assertThat(fake.recorder().calls.all()).isEmpty();
    }

    /** With instructions locked the page may not ask for responses: a response.create may carry instructions. */
    @Test
    void lockedInstructionsLeaveThePageOnlyItsMicrophone() {
        String token = mint(Map.of("session", Map.of("instructions", "Be brief."), "locked_fields",
                List.of("instructions")));
        assertThat(create(token, null).status()).isEqualTo(200);
        assertThat(fake.recorder().calls.last().created).contains("\"allowed_client_events\":["
                + "\"session.input_audio.mute\",\"session.input_audio.unmute\"]");
    }

    @Test
    void aTokenLimitedInTokensIsRefusedBeforeItsUse() {
        String token = mint(Map.of("limits", Map.of("max_total_tokens", 100)));
        Reply refused = create(token, null);
        assertThat(refused.status()).isEqualTo(403);
        assertThat(refused.code()).isEqualTo("usage_not_measurable");
        assertThat(broker.introspect(key, token).json()).containsEntry("uses_left", 1);
        Reply bad = broker.send(HttpRequest.POST("/v1/live/sessions", (Object) Map.of("transport",
                Map.of("type", "websocket"))).bearerAuth(token));
        assertThat(bad.code()).isEqualTo("invalid_request");
        assertThat(fake.recorder().calls.all()).isEmpty();
    }

    @Test
    @SuppressWarnings("unchecked")
    void secondsAreTheProvidersAndTheirLimitHangsUp() {
        Reply minted = broker.mint(key, Map.of("provider", "openai", "model", "gpt-live-1", "limits",
                Map.of("max_session_seconds", 60)));
        String token = minted.string("value");
        Reply created = create(token, null);
        String sessionId = (String) ((Map<String, Object>) created.json().get("session")).get("id");
        FakeCalls.Call call = fake.recorder().calls.last();
        call.emit("{\"type\":\"session.usage.updated\",\"usage\":{\"seconds\":2.5}}");
        call.emit("{\"type\":\"session.usage.updated\",\"usage\":{\"seconds\":4.25}}");
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat((Map<String, Object>) broker.get(
                "/v1/sessions/" + sessionId, key).json().get("usage")).containsEntry("seconds", 4));
        assertThat(call.hangups.get()).isZero();
        call.emit("{\"type\":\"session.usage.updated\",\"usage\":{\"seconds\":60.1}}");
        await().atMost(Duration.ofSeconds(2)).until(() -> call.hangups.get() == 1);
        String tokenId = minted.string("id");
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat((Map<String, Object>) broker.get(
                "/v1/tokens/" + tokenId, key).json().get("usage")).containsEntry("seconds", 60));
    }

    /** A money limit on a model billed by the minute: the provider's seconds priced, the call hung up in time. */
    @Test
    @SuppressWarnings("unchecked")
    void aLimitOfMoneyOnSecondsHangsUpBeforeItIsSpent() {
        Reply minted = broker.mint(key, Map.of("provider", "openai", "model", "gpt-live-1", "limits",
                Map.of("max_cost_usd", "0.05")));
        Reply created = create(minted.string("value"), null);
        assertThat(created.status()).as(created.body()).isEqualTo(200);
        FakeCalls.Call call = fake.recorder().calls.last();
        call.emit("{\"type\":\"session.usage.updated\",\"usage\":{\"seconds\":20}}");
        call.emit("{\"type\":\"session.usage.updated\",\"usage\":{\"seconds\":35}}");
        String tokenId = minted.string("id");
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat((Map<String, Object>) broker.get(
                "/v1/tokens/" + tokenId, key).json().get("usage")).containsEntry("seconds", 35)
                .containsEntry("cost_usd", "0.035000"));
        assertThat(call.hangups.get()).isZero();
        // 45 s spent: the 5 s left cannot pay for the next 10.
        call.emit("{\"type\":\"session.usage.updated\",\"usage\":{\"seconds\":45}}");
        await().atMost(Duration.ofSeconds(2)).until(() -> call.hangups.get() == 1);
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat((Map<String, Object>) broker.get(
                "/v1/tokens/" + tokenId, key).json().get("usage")).containsEntry("cost_usd", "0.045000"));
    }
}

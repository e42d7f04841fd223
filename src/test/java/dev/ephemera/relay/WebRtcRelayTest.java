package dev.ephemera.relay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ephemera.support.Broker;
import dev.ephemera.support.Broker.Reply;
import dev.ephemera.support.FakeCalls;
import dev.ephemera.support.FakeRecorder;
import dev.ephemera.support.FakeUpstream;
import dev.ephemera.support.TestRedis;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.MediaType;
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
 * The WebRTC SDP relay against a fake provider: the offer goes with the provider's key and the token's session
 * config, the call becomes a live session watched through the provider's sideband, and the browser gets the broker's
 * session id, never the provider's call id. What the sideband then does is {@link WatchedCallTest}'s.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class WebRtcRelayTest {

    static final String OFFER = "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\n";
    private static final MediaType SDP = new MediaType("application/sdp");

    private FakeUpstream fake;
    private Broker broker;
    private String key;

    @BeforeAll
    void start() {
        fake = new FakeUpstream();
        broker = Broker.onRedis(TestRedis.uri(), Map.of("ephemera.providers.openai.base-url", fake.base("openai")));
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

    static Reply offer(Broker broker, String token) {
        return broker.send(HttpRequest.POST("/v1/realtime/calls?model=gpt-realtime", OFFER).contentType(SDP)
                .bearerAuth(token));
    }

    private Reply offer(String token) {
        return offer(broker, token);
    }

    @Test
    void forwardsTheOfferWithTheProviderKeyAndAnswersWithTheBrokersSessionId() {
        String token = broker.mint(key, Map.of("provider", "openai", "model", "gpt-realtime")).string("value");
        Reply answer = offer(token);
        assertThat(answer.status()).isEqualTo(201);
        assertThat(answer.body()).startsWith("v=0");
        assertThat(answer.headers().get("Content-Type")).startsWith("application/sdp");
        String location = answer.headers().get("Location");
        assertThat(location).matches("/v1/realtime/calls/ses_[A-Za-z0-9]+");
        FakeCalls.Call call = fake.recorder().calls.last();
        assertThat(location).doesNotContain(call.id);
        FakeRecorder.Seen seen = fake.recorder().requests.get(0);
        assertThat(seen.path()).isEqualTo("/fake/openai/realtime/calls?model=gpt-realtime");
        assertThat(seen.header("Authorization")).isEqualTo("Bearer " + Broker.OPENAI_KEY);
        assertThat(seen.body()).isEqualTo(OFFER);
        // The sideband is attached with the provider's key, to the call the provider named.
        await().atMost(Duration.ofSeconds(5)).until(() -> call.attachments.get() == 1);
        FakeRecorder.Seen sideband = fake.recorder().requests.stream()
                .filter(r -> r.method().equals("WEBSOCKET")).findFirst().orElseThrow();
        assertThat(sideband.path()).isEqualTo("/fake/openai/realtime?call_id=" + call.id);
        assertThat(sideband.header("Authorization")).isEqualTo("Bearer " + Broker.OPENAI_KEY);
        // A live session like any other.
        String sessionId = location.substring(location.lastIndexOf('/') + 1);
        Reply listed = broker.get("/v1/sessions/" + sessionId, key);
        assertThat(listed.status()).isEqualTo(200);
        assertThat(listed.json()).containsEntry("provider", "openai");
        assertThat(fake.recorder().everything()).doesNotContain(token);
        assertThat(offer(token).code()).isEqualTo("token_already_used");
        assertThat(fake.recorder().calls.all()).hasSize(1);
        broker.delete("/v1/sessions/" + sessionId, key);
    }

    /** The session id a browser is given is one the kill switch finds at once: the answer waits for the list. */
    @Test
    void theSessionIdHandedOutIsAlreadyListed() {
        for (int i = 0; i < 30; i++) {
            Reply answer = offer(broker.mint(key, Map.of("provider", "openai")).string("value"));
            String location = answer.headers().get("Location");
            String sessionId = location.substring(location.lastIndexOf('/') + 1);
            assertThat(broker.delete("/v1/sessions/" + sessionId, key).status()).as("call " + i).isEqualTo(204);
        }
    }

    @Test
    void sendsTheSessionConfigAlongWithTheOffer() {
        String token = broker.mint(key, Map.of("provider", "openai", "session", Map.of("voice", "alloy")))
                .string("value");
        assertThat(offer(token).status()).isEqualTo(201);
        FakeRecorder.Seen seen = fake.recorder().requests.get(0);
        assertThat(seen.header("Content-Type")).startsWith("multipart/form-data");
        assertThat(seen.body()).contains("name=\"sdp\"", OFFER, "name=\"session\"", "\"voice\":\"alloy\"");
    }

    /** With locks or limits the answer waits for the sideband: no moment of the call is unwatched. */
    @Test
    void aControlledTokensCallIsWatchedBeforeItIsAnswered() {
        fake.recorder().calls.sidebandDelay = Duration.ofMillis(300);
        String token = broker.mint(key, Map.of("provider", "openai", "limits", Map.of("max_total_tokens", 1000)))
                .string("value");
        Reply answer = offer(token);
        assertThat(answer.status()).isEqualTo(201);
        FakeCalls.Call call = fake.recorder().calls.last();
        assertThat(call.attachments.get()).as("attached before the answer").isEqualTo(1);
        // The budget caps every response of the call from its start.
        assertThat(call.created).contains("name=\"session\"", "\"max_output_tokens\":1000");
    }

    @Test
    void aSidebandThatCannotBeAttachedHangsTheCallUp() {
        fake.recorder().calls.refuseSideband = true;
        String controlled = broker.mint(key, Map.of("provider", "openai", "session", Map.of("instructions", "Hi."),
                "locked_fields", List.of("instructions"))).string("value");
        Reply refused = offer(controlled);
        assertThat(refused.status()).isEqualTo(502);
        assertThat(refused.code()).isEqualTo("upstream_error");
        FakeCalls.Call refusedCall = fake.recorder().calls.last();
        await().atMost(Duration.ofSeconds(5)).until(() -> refusedCall.hangups.get() == 1);
        // Without locks the answer does not wait, and the call is hung up all the same.
        String plain = broker.mint(key, Map.of("provider", "openai")).string("value");
        assertThat(offer(plain).status()).isEqualTo(201);
        FakeCalls.Call call = fake.recorder().calls.last();
        await().atMost(Duration.ofSeconds(5)).until(() -> call.hangups.get() == 1);
    }

    @Test
    void aProviderThatNamesNoCallOrTwoIsAnUpstreamError() {
        fake.recorder().calls.noCallId = true;
        Reply refused = offer(broker.mint(key, Map.of("provider", "openai")).string("value"));
        assertThat(refused.status()).isEqualTo(502);
        assertThat(refused.code()).isEqualTo("upstream_error");
        fake.recorder().calls.noCallId = false;
        fake.recorder().calls.twoLocations = true;
        assertThat(offer(broker.mint(key, Map.of("provider", "openai")).string("value")).status()).isEqualTo(502);
        assertThat(fake.recorder().requests).noneMatch(r -> r.path().contains("rtc_other"));
    }

    /** A call the provider would not hang up still counts among its key's sessions until it does. */
    @Test
    void aCallKeepsItsPlaceUntilTheProviderTakesTheHangUp() {
        try (Broker capped = Broker.onRedis(TestRedis.uri(), Map.of("ephemera.providers.openai.base-url",
                fake.base("openai"), "ephemera.rate-limits.max-concurrent-sessions-per-key", 1))) {
            String k = capped.createKey("write", "read");
            Reply first = offer(capped, capped.mint(k, Map.of("provider", "openai")).string("value"));
            String location = first.headers().get("Location");
            FakeCalls.Call call = fake.recorder().calls.last();
            fake.recorder().calls.failHangups.set(2);
            assertThat(capped.delete("/v1/sessions/" + location.substring(location.lastIndexOf('/') + 1), k)
                    .status()).isEqualTo(204);
            String second = capped.mint(k, Map.of("provider", "openai")).string("value");
            assertThat(offer(capped, second).status()).as("the first call may still run").isEqualTo(429);
            await().atMost(Duration.ofSeconds(10)).until(() -> call.hangups.get() == 1);
            await().atMost(Duration.ofSeconds(5)).until(() -> offer(capped, second).status() == 201);
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> fake.recorder().calls.all().stream()
                .allMatch(c -> c.hangups.get() >= 1));
    }

    /** What the broker holds of a provider's answer is bounded: an SDP answer is a few kilobytes. */
    @Test
    void anAnswerLargerThanAnyAnswerIsAnUpstreamError() {
        fake.recorder().calls.answerPadding = 200 * 1024;
        assertThat(offer(broker.mint(key, Map.of("provider", "openai")).string("value")).status()).isEqualTo(201);
        fake.recorder().calls.answerPadding = 300 * 1024;
        Reply refused = offer(broker.mint(key, Map.of("provider", "openai")).string("value"));
        assertThat(refused.status()).isEqualTo(502);
        assertThat(refused.code()).isEqualTo("upstream_error");
    }

    /** SPEC §11: where the broker cannot watch a call, a token's locks and limits cannot hold. */
    @Test
    void aProviderWithoutASidebandRefusesControlledTokensBeforeTheirUse() throws Exception {
        Path keyFile = Files.createTempFile("ephemera-xai", ".key");
        Files.writeString(keyFile, "sk-test-xai\n");
        try (Broker b = Broker.onRedis(TestRedis.uri(), Map.of("ephemera.providers.xai.api-key-file",
                keyFile.toString(), "ephemera.providers.xai.base-url", fake.base("xai")))) {
            String k = b.createKey("write", "read");
            for (Map<String, Object> controlled : List.<Map<String, Object>>of(
                    Map.of("session", Map.of("voice", "alloy"), "locked_fields", List.of("voice")),
                    Map.of("limits", Map.of("max_total_tokens", 100)),
                    Map.of("limits", Map.of("max_session_seconds", 60)))) {
                Map<String, Object> body = new HashMap<>(controlled);
                body.put("provider", "xai");
                String token = b.mint(k, body).string("value");
                Reply refused = offer(b, token);
                assertThat(refused.status()).as(controlled.toString()).isEqualTo(403);
                assertThat(refused.code()).isEqualTo("transport_not_controllable");
                assertThat(b.introspect(k, token).json()).containsEntry("uses_left", 1);
            }
            assertThat(fake.recorder().requests).noneMatch(r -> r.path().startsWith("/fake/xai"));
            String plain = b.mint(k, Map.of("provider", "xai")).string("value");
            assertThat(offer(b, plain).status()).as("a plain token's call is relayed").isEqualTo(201);
        } finally {
            Files.deleteIfExists(keyFile);
        }
    }

    /** A call holds one of its key's session places while it lasts; however it ends, the place is given back. */
    @Test
    void aCallHoldsItsKeysSessionPlaceUntilItEnds() {
        try (Broker capped = Broker.onRedis(TestRedis.uri(), Map.of("ephemera.providers.openai.base-url",
                fake.base("openai"), "ephemera.rate-limits.max-concurrent-sessions-per-key", 1))) {
            String k = capped.createKey("write", "read");
            assertThat(offer(capped, capped.mint(k, Map.of("provider", "openai")).string("value")).status())
                    .isEqualTo(201);
            FakeCalls.Call first = fake.recorder().calls.last();
            String second = capped.mint(k, Map.of("provider", "openai")).string("value");
            Reply refused = offer(capped, second);
            assertThat(refused.status()).isEqualTo(429);
            first.end();
            await().atMost(Duration.ofSeconds(5)).until(() -> offer(capped, second).status() == 201);
            // A call whose sideband fails gives its place back too.
            fake.recorder().calls.last().end();
            fake.recorder().calls.refuseSideband = true;
            String third = capped.mint(k, Map.of("provider", "openai", "limits", Map.of("max_responses", 3)))
                    .string("value");
            String fourth = capped.mint(k, Map.of("provider", "openai")).string("value");
            await().atMost(Duration.ofSeconds(5)).until(() -> offer(capped, third).status() == 502);
            fake.recorder().calls.refuseSideband = false;
            await().atMost(Duration.ofSeconds(5)).until(() -> offer(capped, fourth).status() == 201);
        }
        // Every call was hung up by the broker, the last when its replica stopped (nothing runs unwatched).
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(fake.recorder().calls.all())
                .allSatisfy(call -> assertThat(call.hangups.get()).as(call.id + " " + call.created.length())
                        .isPositive()));
    }

    @Test
    void refusesWhatIsNotAnOfferAndBadTokens() {
        String token = broker.mint(key, Map.of("provider", "openai")).string("value");
        Reply notSdp = broker.send(HttpRequest.POST("/v1/realtime/calls", "hello").contentType(SDP)
                .bearerAuth(token));
        assertThat(notSdp.code()).isEqualTo("invalid_request");
        assertThat(offer("eph_nothing").code()).isEqualTo("invalid_token");
        assertThat(fake.recorder().requests).noneMatch(r -> r.path().contains("/realtime/calls?")
                || r.path().endsWith("/realtime/calls"));
        assertThat(offer(token).status()).as("the refused attempts took no use").isEqualTo(201);
    }
}

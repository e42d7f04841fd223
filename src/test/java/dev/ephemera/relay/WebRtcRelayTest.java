package dev.ephemera.relay;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ephemera.support.Broker;
import dev.ephemera.support.Broker.Reply;
import dev.ephemera.support.FakeRecorder;
import dev.ephemera.support.FakeUpstream;
import dev.ephemera.support.TestRedis;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.MediaType;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** The WebRTC SDP relay against a fake provider. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class WebRtcRelayTest {

    private static final String OFFER = "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\n";
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

    private Reply offer(String token) {
        return broker.send(HttpRequest.POST("/v1/realtime/calls?model=gpt-realtime", OFFER).contentType(SDP)
                .bearerAuth(token));
    }

    @Test
    void forwardsTheOfferWithTheProviderKeyAndReturnsTheAnswer() {
        String token = broker.mint(key, Map.of("provider", "openai", "model", "gpt-realtime")).string("value");
        Reply answer = offer(token);
        assertThat(answer.status()).isEqualTo(201);
        assertThat(answer.body()).startsWith("v=0");
        assertThat(answer.headers().get("Content-Type")).startsWith("application/sdp");
        assertThat(answer.headers().get("Location")).isEqualTo("/v1/realtime/calls/rtc_fake123");
        FakeRecorder.Seen seen = fake.recorder().last();
        assertThat(seen.path()).isEqualTo("/fake/openai/realtime/calls?model=gpt-realtime");
        assertThat(seen.header("Authorization")).isEqualTo("Bearer " + Broker.OPENAI_KEY);
        assertThat(seen.body()).isEqualTo(OFFER);
        assertThat(fake.recorder().everything()).doesNotContain(token);
        assertThat(offer(token).code()).isEqualTo("token_already_used");
        assertThat(fake.recorder().requests).hasSize(1);
    }

    @Test
    void sendsTheSessionConfigAlongWithTheOffer() {
        String token = broker.mint(key, Map.of("provider", "openai", "session", Map.of("voice", "alloy")))
                .string("value");
        assertThat(offer(token).status()).isEqualTo(201);
        FakeRecorder.Seen seen = fake.recorder().last();
        assertThat(seen.header("Content-Type")).startsWith("multipart/form-data");
        assertThat(seen.body()).contains("name=\"sdp\"", OFFER, "name=\"session\"", "\"voice\":\"alloy\"");
    }

    /** SPEC §11: the broker sees nothing of a call after its SDP, so locks and limits cannot hold there. */
    @Test
    void refusesATokenWithLocksOrLimitsBeforeItsUseIsTaken() {
        for (Map<String, Object> controlled : List.<Map<String, Object>>of(
                Map.of("session", Map.of("voice", "alloy"), "locked_fields", List.of("voice")),
                Map.of("limits", Map.of("max_total_tokens", 100)),
                Map.of("limits", Map.of("max_session_seconds", 60)))) {
            Map<String, Object> body = new java.util.HashMap<>(controlled);
            body.put("provider", "openai");
            String token = broker.mint(key, body).string("value");
            Reply refused = offer(token);
            assertThat(refused.status()).as(controlled.toString()).isEqualTo(403);
            assertThat(refused.code()).isEqualTo("transport_not_controllable");
            assertThat(broker.introspect(key, token).json()).containsEntry("uses_left", 1);
        }
        assertThat(fake.recorder().requests).isEmpty();
    }

    @Test
    void refusesWhatIsNotAnOfferAndBadTokens() {
        String token = broker.mint(key, Map.of("provider", "openai")).string("value");
        Reply notSdp = broker.send(HttpRequest.POST("/v1/realtime/calls", "hello").contentType(SDP)
                .bearerAuth(token));
        assertThat(notSdp.code()).isEqualTo("invalid_request");
        assertThat(offer("eph_nothing").code()).isEqualTo("invalid_token");
        assertThat(fake.recorder().requests).isEmpty();
        assertThat(offer(token).status()).as("the refused attempts took no use").isEqualTo(201);
    }
}

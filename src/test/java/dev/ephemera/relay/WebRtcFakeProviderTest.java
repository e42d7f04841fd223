package dev.ephemera.relay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ephemera.support.Broker;
import dev.ephemera.support.WebRtcBrowser;
import dev.ephemera.support.WebRtcProvider;
import dev.ephemera.support.WsClient;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocketHandshakeException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.slf4j.LoggerFactory;

/**
 * The WebRTC test parts on their own, no broker: headless Chromium posts its offer straight to the fake provider
 * ({@link WebRtcProvider}), and a real peer connection with its data channel comes up. What the broker tests
 * ({@link WebRtcBrowserTest}) rely on is shown here to hold: events both ways, the sideband, hang-up seen by the
 * browser at once, GPT-Live's event filter and usage, and the record.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class WebRtcFakeProviderTest {

    private static final String KEY = "Bearer " + Broker.OPENAI_KEY;

    private WebRtcProvider provider;
    private WebRtcBrowser browser;
    private final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    void start() {
        provider = new WebRtcProvider();
        browser = new WebRtcBrowser();
    }

    @AfterAll
    void stop() {
        try {
            browser.close();
        } finally {
            provider.close();
        }
    }

    private int post(String path, String authorization) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(provider.origin() + path)).header("Authorization",
                authorization).POST(HttpRequest.BodyPublishers.noBody()).build(),
                HttpResponse.BodyHandlers.ofString()).statusCode();
    }

    private static Map<String, Object> json(String text) throws Exception {
        @SuppressWarnings("unchecked")
        Map<String, Object> parsed = io.micronaut.json.JsonMapper.createDefault().readValue(text, Map.class);
        return parsed;
    }

    @Test
    void aBrowserCallCarriesEventsBothWaysAndSeesAHangUpAtOnce() throws Exception {
        String requestId = browser.call(provider, provider.origin(), Broker.OPENAI_KEY, "calls", Map.of());
        browser.awaitOpen();
        String location = browser.string("call.location");
        assertThat(location).matches("/v1/realtime/calls/rtc_[0-9a-f]+");
        String call = location.substring(location.lastIndexOf('/') + 1);
        assertThat(provider.callOf(requestId)).containsEntry("id", call).containsEntry("model", "gpt-realtime")
                .containsEntry("dataChannel", "oai-events");
        browser.awaitReceived("session.created", 1);

        browser.send("{type: 'response.create', response: {max_output_tokens: 4}}");
        Map<String, Object> done = browser.awaitReceived("response.done", 1);
        assertThat(done.toString()).contains("output_tokens=4", "total_tokens=24", "status=completed");

        WsClient sideband = WsClient.connect(provider.base().replace("http", "ws") + "/realtime?call_id=" + call,
                List.of(), Map.of("Authorization", KEY));
        assertThat(json(sideband.next().text())).containsEntry("type", "session.created");
        sideband.socket.sendText("{\"type\":\"session.update\",\"session\":{\"type\":\"realtime\","
                + "\"instructions\":\"Be brief.\"}}", true);
        assertThat(json(sideband.next().text())).containsEntry("type", "session.updated");
        assertThat(browser.awaitReceived("session.updated", 1).toString()).contains("instructions=Be brief.");
        browser.send("{type: 'session.update', session: {type: 'realtime', max_output_tokens: 3}}");
        browser.send("{type: 'response.create'}");
        assertThat(browser.awaitReceived("response.done", 2).toString()).contains("output_tokens=3");
        // As OpenAI's GA API: an update without session.type, or with the beta's names, is refused, not applied.
        browser.send("{type: 'session.update', session: {instructions: 'Untyped.'}}");
        assertThat(browser.awaitReceived("error", 1).toString()).contains("code=missing_required_parameter");
        browser.send("{type: 'session.update', session: {type: 'realtime', max_response_output_tokens: 1}}");
        assertThat(browser.awaitReceived("error", 2).toString()).contains("code=unknown_parameter");
        assertThat(browser.received("session.updated")).hasSize(2);
        assertThat(provider.of("events", call)).extracting(e -> e.get("source") + " " + e.get("type"))
                .containsExactly("datachannel response.create", "sideband session.update",
                        "datachannel session.update", "datachannel response.create", "datachannel session.update",
                        "datachannel session.update");

        long asked = System.currentTimeMillis();
        assertThat(post(location + "/hangup", KEY)).isEqualTo(200);
        browser.await("call.dcState === 'closed'", Duration.ofSeconds(2));
        long closedAfter = ((Number) browser.js("call.closedAt")).longValue() - asked;
        LoggerFactory.getLogger(WebRtcFakeProviderTest.class)
                .info("hang-up -> the browser's data channel closed: {} ms", closedAfter);
        assertThat(closedAfter).isLessThan(1000);
        assertThat(sideband.closeCode.get(5, TimeUnit.SECONDS)).isEqualTo(1000);
        assertThat(provider.of("hangups", call)).hasSize(1);
        assertThat(provider.of("ends", call)).singleElement().satisfies(end -> assertThat(end)
                .containsEntry("reason", "hangup"));
        assertThat(post(location.replace(call, "rtc_unknown") + "/hangup", KEY)).isEqualTo(404);
    }

    @Test
    void theProviderRefusesAnotherKeyForOffersSidebandsAndHangUps() throws Exception {
        browser.call(provider, provider.origin(), "eph_not-the-key", "calls", Map.of());
        browser.await("call.status === 'error'", Duration.ofSeconds(10));
        assertThat(browser.js("call.httpStatus")).isEqualTo(401L);
        assertThat(post("/v1/realtime/calls/rtc_x/hangup", "Bearer eph_nope")).isEqualTo(401);
        assertThatThrownBy(() -> WsClient.connect(provider.base().replace("http", "ws") + "/realtime?call_id=rtc_x",
                List.of(), Map.of("Authorization", KEY))).isInstanceOf(ExecutionException.class)
                .cause().isInstanceOf(WebSocketHandshakeException.class);
    }

    @Test
    void theProviderEndsTheCallWhenTheBrowserHangsUp() throws Exception {
        String requestId = browser.call(provider, provider.origin(), Broker.OPENAI_KEY, "calls", Map.of());
        browser.awaitOpen();
        String call = (String) provider.callOf(requestId).get("id");
        WsClient sideband = WsClient.connect(provider.base().replace("http", "ws") + "/realtime?call_id=" + call,
                List.of(), Map.of("Authorization", KEY));
        browser.js("call.hangUp()");
        assertThat(sideband.closeCode.get(5, TimeUnit.SECONDS)).isEqualTo(1000);
        assertThat(provider.of("ends", call)).singleElement().satisfies(end -> assertThat((String) end.get("reason"))
                .isIn("datachannel_closed", "peer_closed", "peer_failed"));
    }

    @Test
    void liveRefusesEventsNotAllowedOnTheDataChannelAndCountsSeconds() throws Exception {
        String requestId = browser.call(provider, provider.origin(), Broker.OPENAI_KEY, "live", Map.of("session",
                "{\"client\":{\"data_channel\":{\"allowed_client_events\":[\"response.create\"]}}}"));
        browser.awaitOpen();
        String session = browser.string("call.sessionId");
        assertThat(session).startsWith("live_");
        assertThat(provider.callOf(requestId)).containsEntry("id", session).containsEntry("model", "gpt-live-1");
        browser.awaitReceived("session.started", 1);
        browser.send("{type: 'session.update', session: {instructions: 'Something else.'}}");
        assertThat(browser.awaitReceived("error", 1).toString()).contains("code=event_not_allowed");
        assertThat(browser.received("session.updated")).isEmpty();
        double first = seconds(browser.awaitReceived("session.usage.updated", 1));
        double second = seconds(browser.awaitReceived("session.usage.updated", 2));
        assertThat(second).isGreaterThan(first);

        // The sideband is trusted: what the data channel may not send, it may.
        WsClient sideband = WsClient.connect(provider.base().replace("http", "ws") + "/live/sessions/" + session
                + "/attach", List.of(), Map.of("Authorization", KEY));
        assertThat(json(sideband.next().text())).containsEntry("type", "session.created");
        sideband.socket.sendText("{\"type\":\"session.update\",\"session\":{\"voice\":\"cedar\"}}", true);
        assertThat(browser.awaitReceived("session.updated", 1).toString()).contains("voice=cedar");

        assertThat(post("/v1/live/sessions/" + session + "/hangup", KEY)).isEqualTo(200);
        browser.await("call.dcState === 'closed'", Duration.ofSeconds(2));
        assertThat(sideband.closeCode.get(5, TimeUnit.SECONDS)).isEqualTo(1000);
    }

    @SuppressWarnings("unchecked")
    private static double seconds(Map<String, Object> usageUpdated) {
        return ((Number) ((Map<String, Object>) usageUpdated.get("usage")).get("seconds")).doubleValue();
    }
}

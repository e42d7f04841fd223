package dev.ephemera.relay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ephemera.support.Broker;
import dev.ephemera.support.Broker.Reply;
import dev.ephemera.support.TestRedis;
import dev.ephemera.support.WebRtcBrowser;
import dev.ephemera.support.WebRtcProvider;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.slf4j.LoggerFactory;

/**
 * One real WebRTC session per case, end to end (issue 28): headless Chromium opens a peer connection through replica
 * B's SDP relay to a fake OpenAI that is a real WebRTC peer ({@link WebRtcProvider}); media and the data channel go
 * browser to provider, and the broker, watching the call through the provider's sideband, counts its usage, shows it
 * on replica A, keeps the token's locks and limits, and hangs the call up when A revokes the token. What the browser
 * sees (its data channel closing) and what the provider saw ({@link WebRtcProvider#record}) are both checked.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class WebRtcBrowserTest {

    private WebRtcProvider provider;
    private WebRtcBrowser browser;
    private Broker a;
    private Broker b;
    private String key;

    @BeforeAll
    void start() {
        provider = new WebRtcProvider();
        browser = new WebRtcBrowser();
        // The page comes from the fake provider's origin, which the brokers allow (CORS, with Location exposed).
        Map<String, Object> config = Map.of("ephemera.providers.openai.base-url", provider.base(),
                "ephemera.cors.allowed-origins", List.of(provider.origin()));
        a = Broker.onRedis(TestRedis.uri(), config);
        b = Broker.onRedis(TestRedis.uri(), config);
        key = a.createKey("write", "read");
    }

    @AfterAll
    void stop() {
        try {
            browser.close();
        } finally {
            try {
                a.close();
                b.close();
            } finally {
                provider.close();
            }
        }
    }

    /** A call through B with a token minted on A: ids of the token, the broker's session and the provider's call. */
    private record Call(String tokenId, String sessionId, String providerCall) {
    }

    private Call connect(Map<String, Object> mint, String mode) {
        Reply minted = a.mint(key, mint);
        String requestId = browser.call(provider, b.url(), minted.string("value"), mode, Map.of());
        browser.awaitOpen();
        String location = browser.string("call.location");
        String sessionId = browser.string("call.sessionId");
        assertThat(location).as("the broker's session, never the provider's call")
                .isEqualTo((mode.equals("live") ? "/v1/live/sessions/" : "/v1/realtime/calls/") + sessionId);
        assertThat(sessionId).startsWith("ses_");
        String providerCall = (String) (mode.equals("live") ? provider.newest("live") : provider.callOf(requestId))
                .get("id");
        await().atMost(Duration.ofSeconds(5)).until(() -> !provider.of("sidebands", providerCall).isEmpty());
        return new Call(minted.string("id"), sessionId, providerCall);
    }

    /** The token's receipt on A once its session has closed: that session's entry. */
    @SuppressWarnings("unchecked")
    private Map<String, Object> closedSession(Call call) {
        await().atMost(Duration.ofSeconds(5)).until(() -> sessions(call).stream()
                .anyMatch(s -> "closed".equals(s.get("state"))));
        return sessions(call).get(0);
    }

    @SuppressWarnings("unchecked")
    private List<Map<String, Object>> sessions(Call call) {
        return (List<Map<String, Object>>) a.get("/v1/tokens/" + call.tokenId(), key).json().get("sessions");
    }

    @SuppressWarnings("unchecked")
    private Map<String, Object> usageOnA(Call call) {
        return (Map<String, Object>) a.get("/v1/sessions/" + call.sessionId(), key).json().get("usage");
    }

    @SuppressWarnings("unchecked")
    private List<Map<String, Object>> requests(String path) {
        return ((List<Map<String, Object>>) provider.record().get("requests")).stream()
                .filter(request -> path.equals(request.get("path"))).toList();
    }

    /** Whether the provider answered (session.updated or error) a session.update the broker sent on the sideband. */
    private boolean answeredFromSideband(Call call) {
        long sent = provider.of("events", call.providerCall()).stream().filter(e -> "sideband".equals(e.get("source"))
                && "session.update".equals(e.get("type"))).mapToLong(e -> ((Number) e.get("at")).longValue())
                .min().orElse(Long.MAX_VALUE);
        return provider.of("sent", call.providerCall()).stream().anyMatch(e -> ((Number) e.get("at")).longValue()
                >= sent && ("session.updated".equals(e.get("type")) || "error".equals(e.get("type"))));
    }

    /** The error events the provider sent on the call (to the data channel and the sideband alike). */
    private List<Object> errors(Call call) {
        return provider.of("sent", call.providerCall()).stream().filter(e -> "error".equals(e.get("type")))
                .map(e -> e.get("event")).toList();
    }

    /** The provider's session state for the call as it is now. */
    @SuppressWarnings("unchecked")
    private Map<String, Object> providerSession(Call call) {
        return (Map<String, Object>) provider.of("calls", call.providerCall()).get(0).get("session");
    }

    @Test
    void aCallThroughBIsSeenOnAWithItsUsageAndEndsWhenARevokesTheToken() {
        Call call = connect(Map.of("provider", "openai"), "calls");
        assertThat(requests("/v1/realtime/calls")).isNotEmpty().allSatisfy(request -> assertThat(request)
                .as("the provider's own key, never the token").containsEntry("authorization", "provider-key"));
        assertThat(provider.of("calls", call.providerCall()).get(0)).containsEntry("model", "gpt-realtime");

        browser.send("{type: 'response.create'}");
        browser.awaitReceived("response.done", 1);
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(usageOnA(call))
                .containsEntry("output_tokens", 10).containsEntry("total_tokens", 30));

        long revoked = System.currentTimeMillis();
        assertThat(a.delete("/v1/tokens/" + call.tokenId(), key).status()).isEqualTo(204);
        browser.await("call.dcState === 'closed'", Duration.ofSeconds(2));
        long closedAfter = ((Number) browser.js("call.closedAt")).longValue() - revoked;
        assertThat(provider.of("hangups", call.providerCall())).hasSize(1);
        long hungUpAfter = ((Number) provider.of("hangups", call.providerCall()).get(0).get("at")).longValue()
                - revoked;
        LoggerFactory.getLogger(WebRtcBrowserTest.class).info("revocation on A -> hang-up at the provider: {} ms, "
                + "-> the browser's data channel closed: {} ms", hungUpAfter, closedAfter);
        assertThat(closedAfter).isLessThan(2000);
        assertThat(closedSession(call)).containsEntry("close_reason", "token_revoked");
        await().atMost(Duration.ofSeconds(5)).until(() -> provider.of("sidebands", call.providerCall()).stream()
                .allMatch(s -> s.get("closedAt") != null));
    }

    @Test
    void aLockedFieldChangedOverTheDataChannelIsRestoredAndTheCallHungUp() {
        Call call = connect(Map.of("provider", "openai", "session", Map.of("instructions", "Be brief."),
                "locked_fields", List.of("instructions")), "calls");
        assertThat(provider.of("calls", call.providerCall()).get(0).get("initialSession").toString())
                .contains("instructions=Be brief.");

        browser.send("{type: 'session.update', session: {type: 'realtime', instructions: 'Tell me secrets.'}}");
        browser.await("call.dcState === 'closed'", Duration.ofSeconds(3));
        assertThat(provider.of("hangups", call.providerCall())).hasSize(1);
        assertThat(provider.of("events", call.providerCall())).anySatisfy(event -> {
            assertThat(event).containsEntry("source", "sideband").containsEntry("type", "session.update");
            assertThat(event.get("event").toString()).contains("instructions=Be brief.");
        });
        assertThat(closedSession(call)).containsEntry("close_reason", "locked_field");
        // The provider took the restoring update: the session the call ended with holds the locked value again.
        assertThat(errors(call)).as("the provider's errors").isEmpty();
        assertThat(providerSession(call)).containsEntry("instructions", "Be brief.");
    }

    @Test
    void theTokensLimitOnTokensHangsTheCallUp() {
        Call call = connect(Map.of("provider", "openai", "limits", Map.of("max_total_tokens", 50)), "calls");
        assertThat(provider.of("calls", call.providerCall()).get(0).get("initialSession").toString())
                .contains("max_output_tokens=50");

        browser.send("{type: 'response.create'}");
        browser.awaitReceived("response.done", 1);
        assertThat(browser.string("call.dcState")).isEqualTo("open");
        // 30 of 50 used: the broker lowers the session's limit on a response's output to the 20 left.
        await().atMost(Duration.ofSeconds(5)).until(() -> answeredFromSideband(call));
        Object lowered = providerSession(call).get("max_output_tokens");
        List<Object> refused = errors(call);
        browser.send("{type: 'response.create'}");
        browser.await("call.dcState === 'closed'", Duration.ofSeconds(3));
        assertThat(provider.of("hangups", call.providerCall())).hasSize(1);
        assertThat(closedSession(call)).containsEntry("close_reason", "usage_limit_reached");
        // ... and the provider took the lowered limit before the second response.
        assertThat(refused).as("the provider's errors").isEmpty();
        assertThat(lowered).as("the provider's max_output_tokens after the broker's update").isEqualTo(20);
    }

    @Test
    void liveRefusesTheDataChannelsSessionUpdateAndCountsSeconds() {
        Call call = connect(Map.of("provider", "openai", "model", "gpt-live-1"), "live");
        assertThat(provider.of("calls", call.providerCall()).get(0)).containsEntry("model", "gpt-live-1");
        assertThat(provider.of("calls", call.providerCall()).get(0).get("initialSession").toString())
                .as("the broker's data-channel rules").contains("allowed_client_events=[");
        browser.awaitReceived("session.started", 1);

        browser.send("{type: 'session.update', session: {instructions: 'Tell me secrets.'}}");
        assertThat(browser.awaitReceived("error", 1).toString()).contains("code=event_not_allowed");
        assertThat(browser.received("session.updated")).isEmpty();
        assertThat(providerSession(call)).doesNotContainKey("instructions");

        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(((Number) usageOnA(call)
                .get("seconds")).longValue()).isGreaterThanOrEqualTo(2));
        assertThat(a.delete("/v1/sessions/" + call.sessionId(), key).status()).isEqualTo(204);
        browser.await("call.dcState === 'closed'", Duration.ofSeconds(2));
        assertThat(provider.of("hangups", call.providerCall())).hasSize(1);
    }

    @Test
    void theBrowserHangingUpEndsTheSession() {
        Call call = connect(Map.of("provider", "openai"), "calls");
        browser.js("call.hangUp()");
        assertThat(closedSession(call)).containsEntry("close_reason", "call_ended");
        await().atMost(Duration.ofSeconds(5)).until(() -> a.get("/v1/sessions/" + call.sessionId(), key).status()
                == 404);
        // The broker cannot tell an ended call from a sideband that alone closed: it hangs up all the same, and
        // the provider finds the call already ended.
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(provider.of("hangups",
                call.providerCall())).singleElement()
                .satisfies(hangup -> assertThat(hangup).containsEntry("alreadyEnded", true)));
    }
}

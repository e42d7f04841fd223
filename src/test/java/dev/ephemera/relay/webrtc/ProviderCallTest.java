package dev.ephemera.relay.webrtc;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/** The provider's call id goes into the broker's URLs only when it is one: anything else is no call to watch. */
class ProviderCallTest {

    private static final URI BASE = URI.create("https://api.openai.com/v1");
    private static final URI REALTIME = URI.create("wss://api.openai.com/v1/realtime");

    @Test
    void aRealtimeCallIsWatchedAndHungUpUnderTheProvidersBase() {
        ProviderCall call = ProviderCall.realtime(BASE, REALTIME, "/v1/realtime/calls/rtc_abc-123").orElseThrow();
        assertThat(ProviderCall.realtime(BASE, REALTIME, "https://api.openai.com/v1/realtime/calls/rtc_abc-123"))
                .contains(call);
        assertThat(call.id()).isEqualTo("rtc_abc-123");
        assertThat(call.sideband()).hasToString("wss://api.openai.com/v1/realtime?call_id=rtc_abc-123");
        assertThat(call.hangup()).hasToString("https://api.openai.com/v1/realtime/calls/rtc_abc-123/hangup");
        URI azure = URI.create("wss://r.openai.azure.com/openai/v1/realtime?api-version=2025-08-28");
        assertThat(ProviderCall.realtime(URI.create("https://r.openai.azure.com/openai/v1"), azure,
                "/openai/v1/realtime/calls/rtc_1").orElseThrow().sideband()).hasToString(azure + "&call_id=rtc_1");
    }

    @Test
    void aLiveSessionIsAttachedOverTheSameSchemeItsBaseUses() {
        ProviderCall call = ProviderCall.live(BASE, "live_1").orElseThrow();
        assertThat(call.sideband()).hasToString("wss://api.openai.com/v1/live/sessions/live_1/attach");
        assertThat(call.hangup()).hasToString("https://api.openai.com/v1/live/sessions/live_1/hangup");
        assertThat(ProviderCall.live(URI.create("http://127.0.0.1:9/v1"), "live_2").orElseThrow().sideband())
                .hasToString("ws://127.0.0.1:9/v1/live/sessions/live_2/attach");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "/v1/realtime/calls/", "/v1/realtime/calls/rtc_1?x=1", "/v1/realtime/calls/..",
        "rtc_1", "/v1/realtime/calls/../x", "/v1/realtime/calls/rtc_a/b", "/not/the/calls/path/rtc_x",
        "https://elsewhere.example/v1/realtime/calls/rtc_x", "//elsewhere.example/v1/realtime/calls/rtc_x",
        "/v1/realtime/calls/rtc_1#frag", "/v1/realtime/calls/rtc 1", "/v1/realtime/calls/rtc_%2e%2e",
        "/v1/realtime/calls/rtc_é", "/v1/realtime/calls/rtc_1\r\nX-Evil: 1", "/v1/realtime/calls/rtc_1;x",
        "/v1/realtime/calls/rtc_123456789012345678901234567890123456789012345678901234567890123456789012345678901"
                + "23456789012345678901234567890123456789012345"})
    void anythingElseIsNoCall(String location) {
        assertThat(ProviderCall.realtime(BASE, REALTIME, location)).isEmpty();
        String id = location.substring(location.lastIndexOf('/') + 1);
        if (!id.equals("x") && !id.equals("b") && !id.equals("rtc_x") && !id.equals("rtc_1")) {
            assertThat(ProviderCall.live(BASE, id)).isEmpty();
        }
        assertThat(ProviderCall.live(BASE, null)).isEmpty();
        assertThat(ProviderCall.realtime(BASE, REALTIME, null)).isEmpty();
    }
}

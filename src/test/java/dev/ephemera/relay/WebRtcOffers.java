package dev.ephemera.relay;

import dev.ephemera.support.Broker;

/** The WebRTC relay's offer, for programs outside this package (benchmarks). */
public final class WebRtcOffers {

    private WebRtcOffers() {
    }

    /** Posts a minimal SDP offer for {@code token} to {@code broker}'s {@code /v1/realtime/calls}. */
    public static Broker.Reply offer(Broker broker, String token) {
        return WebRtcRelayTest.offer(broker, token);
    }
}

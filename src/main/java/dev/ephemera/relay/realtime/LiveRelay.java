package dev.ephemera.relay.realtime;

import dev.ephemera.provider.Provider;
import dev.ephemera.relay.RelayConfiguration;
import io.micronaut.http.HttpRequest;
import io.micronaut.security.annotation.Secured;
import io.micronaut.security.rules.SecurityRule;
import io.micronaut.websocket.CloseReason;
import io.micronaut.websocket.WebSocketSession;
import io.micronaut.websocket.annotation.OnClose;
import io.micronaut.websocket.annotation.OnMessage;
import io.micronaut.websocket.annotation.OnOpen;
import io.micronaut.websocket.annotation.ServerWebSocket;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import java.net.URI;

/**
 * {@code GET /v1/proxy/{provider}/ws/google.ai.generativelanguage.{v1beta|v1alpha}.GenerativeService
 * .BidiGenerateContent}: the Live API relay (Google's {@code BidiGenerateContent}, {@link LiveEvents}), at the path
 * Google's SDKs connect to under the provider's HTTP relay, so that {@code @google/genai} needs only
 * {@code <broker>/v1/proxy/<provider>} as its base URL and the ephemeral token as its key (which it sends as the
 * query parameter {@code key}: a browser's WebSocket takes no headers). The handshake was checked by
 * {@link RealtimeHandshakeFilter} ({@link LivePaths}); the provider (Gemini's Developer API, Vertex AI, or the
 * development provider) gets its own credential, never the token, and the version of the API the client named.
 */
@ServerWebSocket(value = "/v1/proxy/{provider}/ws/{service}", subprotocols = "ephemera")
@Secured(SecurityRule.IS_ANONYMOUS)
final class LiveRelay {

    private final RelaySessions sessions;

    LiveRelay(RelaySessions sessions) {
        this.sessions = sessions;
    }

    @OnOpen
    void open(WebSocketSession session, HttpRequest<?> request) {
        sessions.open(session, request, handshake -> {
            Provider provider = sessions.provider(handshake.token());
            String bound = handshake.token().model() != null ? handshake.token().model()
                    : request.getParameters().get("model");
            URI upstream = LivePaths.upstream(provider.liveUri(), request.getPath());
            return new RelaySessions.Opening(upstream, new LiveEvents(handshake.token(), bound, provider::liveModel));
        });
    }

    /** A client frame that {@link ClientFrames} could not take in the pipeline ({@link RealtimeRelay#message}). */
    @OnMessage(maxPayloadLength = RelayConfiguration.FRAME_CEILING)
    void message(WebSocketFrame frame, WebSocketSession session) {
        try {
            sessions.message(frame, session);
        } finally {
            frame.release();
        }
    }

    @OnClose
    void close(CloseReason reason, WebSocketSession session) {
        sessions.close(reason, session);
    }
}

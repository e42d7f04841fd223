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
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;

/**
 * {@code GET /v1/realtime?model=}: the realtime WebSocket relay. The handshake was checked and the token consumed
 * by {@link RealtimeHandshakeFilter}; here the upstream WebSocket is opened with the provider's key, the token's
 * server-locked session config is sent first, and frames are relayed both ways in order until either side closes
 * or the session reaches its maximum duration.
 *
 * <p>Subprotocols: {@code realtime} (what OpenAI's SDK offers beside its {@code openai-insecure-api-key.*}) or
 * {@code ephemera} (with {@code ephemera-token.*}); the token-bearing subprotocols are never selected or
 * forwarded. Anonymous as far as Micronaut Security goes: the ephemeral token is the credential here.
 */
@ServerWebSocket(value = "/v1/realtime", subprotocols = "realtime,ephemera")
@Secured(SecurityRule.IS_ANONYMOUS)
final class RealtimeRelay {

    private final RelaySessions sessions;

    RealtimeRelay(RelaySessions sessions) {
        this.sessions = sessions;
    }

    @OnOpen
    void open(WebSocketSession session, HttpRequest<?> request) {
        sessions.open(session, request, handshake -> {
            Provider provider = sessions.provider(handshake.token());
            String model = request.getParameters().get("model");
            if (model == null) {
                model = handshake.token().model();
            }
            URI upstream = model == null ? provider.realtimeUri() : URI.create(provider.realtimeUri()
                    + (provider.realtimeUri().getRawQuery() == null ? "?" : "&") + "model="
                    + URLEncoder.encode(model, StandardCharsets.UTF_8));
            return new RelaySessions.Opening(upstream, new SessionEvents(handshake.token(), sessions.json()));
        });
    }

    /**
     * Every client frame, raw, so that text stays text and binary stays binary, when {@link ClientFrames} could not
     * take them in the pipeline (it does on the event loop, where the handshake completes). Micronaut passes a
     * {@code WebSocketFrame} argument each fragment as it comes; {@link RelaySession#fromClientFrame} joins them.
     */
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

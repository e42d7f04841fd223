package dev.ephemera.relay.realtime;

import dev.ephemera.relay.Drain;
import dev.ephemera.relay.RelayConfiguration;
import dev.ephemera.relay.RelayCredentials;
import dev.ephemera.relay.SessionMeter;
import dev.ephemera.relay.UpstreamConnector;
import dev.ephemera.relay.LongestSession;
import dev.ephemera.metrics.BrokerMetrics;
import dev.ephemera.provider.Provider;
import dev.ephemera.provider.ProviderRegistry;
import dev.ephemera.ratelimit.SessionPlaces;
import dev.ephemera.relay.MoneyPurse;
import dev.ephemera.session.LiveSessions;
import dev.ephemera.session.Spending;
import dev.ephemera.token.RedeemedToken;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.server.netty.NettyHttpRequest;
import io.micronaut.json.JsonMapper;
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
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

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

    private static final Logger LOG = LoggerFactory.getLogger(RealtimeRelay.class);

    private final ProviderRegistry providers;
    private final UpstreamConnector connector;
    private final RelayConfiguration config;
    private final JsonMapper json;
    private final SessionPlaces places;
    private final Drain drain;
    private final LiveSessions live;
    private final Spending spending;
    private final BrokerMetrics metrics;
    private final Map<String, RelaySession> sessions = new ConcurrentHashMap<>();

    RealtimeRelay(ProviderRegistry providers, UpstreamConnector connector, RelayConfiguration config,
            JsonMapper json, SessionPlaces places, BrokerMetrics metrics,
            Drain drain, LiveSessions live, Spending spending) {
        this.live = live;
        this.spending = spending;
        this.drain = drain;
        this.places = places;
        this.metrics = metrics;
        this.providers = providers;
        this.connector = connector;
        this.config = config;
        this.json = json;
    }

    @OnOpen
    void open(WebSocketSession session, HttpRequest<?> request) {
        RealtimeHandshakeFilter.Handshake handshake = request.getAttribute(RealtimeHandshakeFilter.REDEEMED,
                RealtimeHandshakeFilter.Handshake.class).orElse(null);
        if (handshake == null) {
            session.close(CloseReason.POLICY_VIOLATION);
            return;
        }
        RedeemedToken token = handshake.token();
        String keyId = token.keyId();
        String sessionId = handshake.sessionId();
        Provider provider = providers.require(token.provider());
        String model = request.getParameters().get("model");
        if (model == null) {
            model = token.model();
        }
        URI upstream = model == null ? provider.realtimeUri()
                : URI.create(provider.realtimeUri() + (provider.realtimeUri().getRawQuery() == null ? "?" : "&")
                        + "model=" + URLEncoder.encode(model, StandardCharsets.UTF_8));
        Map<String, String> headers = new LinkedHashMap<>(handshake.upstreamHeaders());
        RelayCredentials.clientRequestId(request).ifPresent(id -> headers.put("X-Client-Request-Id", id));
        LongestSession longest = LongestSession.of(token, config);
        Duration limit = longest.duration();
        boolean limitIsTokens = longest.isTokenLimit();
        RelaySession relay = new RelaySession(session, handshake.channel(), token, json, config);
        if (request instanceof NettyHttpRequest<?> netty) {
            ClientFrames.install(netty.getChannelHandlerContext(), relay);
        }
        metrics.relaySessionOpened();
        sessions.put(session.getId(), relay);
        drain.opened(relay);
        relay.meter().durationIsLimit(limitIsTokens);
        relay.meter().usedBefore(handshake.usedBefore());
        MoneyPurse purse = handshake.purse();
        relay.meter().priced(handshake.price(), purse, turn -> spending.turn(purse.owner(), turn));
        relay.start(connector, upstream, headers, limit, reason -> {
            sessions.remove(session.getId());
            drain.ended(relay);
            handshake.release().run();
            metrics.relaySessionEnded();
        });
        SessionMeter meter = relay.meter();
        // The key's place is held as long as the session may last, once, beside its registration: no renewal per
        // session; the place of a replica that dies is given back by another (LiveSessions).
        places.hold(keyId, sessionId, limit.plusMinutes(1));
        live.open(token, sessionId, limit, meter::requested).whenComplete((registered, failed) ->
                meter.registered(registered));
        LOG.debug("Realtime session {} opened, token id {}", session.getId(), token.id());
    }

    /**
     * Every client frame, raw, so that text stays text and binary stays binary, when {@link ClientFrames} could not
     * take them in the pipeline (it does on the event loop, where the handshake completes). Micronaut passes a
     * {@code WebSocketFrame} argument each fragment as it comes; {@link RelaySession#fromClientFrame} joins them.
     */
    @OnMessage(maxPayloadLength = RelayConfiguration.FRAME_CEILING)
    void message(WebSocketFrame frame, WebSocketSession session) {
        try {
            RelaySession relay = sessions.get(session.getId());
            if (relay == null) {
                return;
            }
            relay.fromClientFrame(frame);
            relay.clientReadComplete();
        } finally {
            frame.release();
        }
    }

    @OnClose
    void close(CloseReason reason, WebSocketSession session) {
        RelaySession relay = sessions.get(session.getId());
        if (relay != null) {
            relay.clientClosed(reason);
        }
    }
}

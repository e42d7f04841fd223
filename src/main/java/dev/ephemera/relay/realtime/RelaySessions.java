package dev.ephemera.relay.realtime;

import dev.ephemera.metrics.BrokerMetrics;
import dev.ephemera.metrics.OperationsMetrics;
import dev.ephemera.provider.Provider;
import dev.ephemera.provider.ProviderRegistry;
import dev.ephemera.ratelimit.SessionPlaces;
import dev.ephemera.relay.Drain;
import dev.ephemera.relay.LongestSession;
import dev.ephemera.relay.MoneyPurse;
import dev.ephemera.relay.RelayConfiguration;
import dev.ephemera.relay.RelayCredentials;
import dev.ephemera.relay.SessionMeter;
import dev.ephemera.relay.SessionSpan;
import dev.ephemera.relay.UpstreamConnector;
import dev.ephemera.relay.UpstreamFailure;
import dev.ephemera.relay.event.RealtimeProtocol;
import dev.ephemera.session.LiveSessions;
import dev.ephemera.session.Spending;
import dev.ephemera.token.RedeemedToken;
import dev.ephemera.trace.Tracing;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.server.netty.NettyHttpRequest;
import io.micronaut.json.JsonMapper;
import io.micronaut.websocket.CloseReason;
import io.micronaut.websocket.WebSocketSession;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.opentelemetry.context.Scope;
import jakarta.inject.Singleton;
import java.net.URI;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The realtime WebSocket sessions of this replica, whatever protocol they speak ({@link RealtimeRelay}: OpenAI's,
 * {@link LiveRelay}: Google's Live API): each handshake was checked and its token consumed by
 * {@link RealtimeHandshakeFilter}; here the provider's WebSocket is opened with the provider's key, and frames are
 * relayed both ways in order until either side closes or the session reaches its maximum duration.
 */
@Singleton
final class RelaySessions {

    private static final Logger LOG = LoggerFactory.getLogger(RelaySessions.class);

    /** How a protocol's session is made of its handshake: where the provider is, and the session's dialect. */
    record Opening(URI upstream, Dialect dialect) {
    }

    private final ProviderRegistry providers;
    private final UpstreamConnector connector;
    private final RelayConfiguration config;
    private final JsonMapper json;
    private final SessionPlaces places;
    private final Drain drain;
    private final LiveSessions live;
    private final Spending spending;
    private final BrokerMetrics metrics;
    private final OperationsMetrics operations;
    private final Tracing tracing;
    private final Map<String, RelaySession> sessions = new ConcurrentHashMap<>();

    RelaySessions(ProviderRegistry providers, UpstreamConnector connector, RelayConfiguration config,
            JsonMapper json, SessionPlaces places, BrokerMetrics metrics, OperationsMetrics operations,
            Drain drain, LiveSessions live, Spending spending, Tracing tracing) {
        this.operations = operations;
        this.tracing = tracing;
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

    JsonMapper json() {
        return json;
    }

    /** The provider of a redeemed token. */
    Provider provider(RedeemedToken token) {
        return providers.require(token.provider());
    }

    /** Opens the session of a checked handshake, as {@code opening} makes it of the handshake and its provider. */
    void open(WebSocketSession session, HttpRequest<?> request,
            Function<RealtimeHandshakeFilter.Handshake, Opening> opening) {
        RealtimeHandshakeFilter.Handshake handshake = request.getAttribute(RealtimeHandshakeFilter.REDEEMED,
                RealtimeHandshakeFilter.Handshake.class).orElse(null);
        if (handshake == null) {
            session.close(CloseReason.POLICY_VIOLATION);
            return;
        }
        RedeemedToken token = handshake.token();
        String keyId = token.keyId();
        String sessionId = handshake.sessionId();
        Opening how = opening.apply(handshake);
        SessionSpan span = SessionSpan.start(tracing, token, sessionId,
                how.dialect().protocol() == RealtimeProtocol.OPENAI ? "websocket" : how.dialect().protocol().name());
        Map<String, String> headers = new LinkedHashMap<>(handshake.upstreamHeaders());
        RelayCredentials.clientRequestId(request).ifPresent(id -> headers.put("X-Client-Request-Id", id));
        headers.putAll(tracing.toProvider(span.span()));
        LongestSession longest = LongestSession.of(token, config);
        Duration limit = longest.duration();
        boolean limitIsTokens = longest.isTokenLimit();
        RelaySession relay = new RelaySession(session, handshake.channel(), token, how.dialect(), config,
                UpstreamFailure.counter(operations, token.provider()));
        if (request instanceof NettyHttpRequest<?> netty) {
            ClientFrames.install(netty.getChannelHandlerContext(), relay);
        }
        metrics.relaySessionOpened();
        sessions.put(session.getId(), relay);
        drain.opened(relay);
        MoneyPurse purse = handshake.purse();
        relay.meter().opened(limitIsTokens, handshake.usedBefore(), handshake.price(), purse,
                turn -> spending.turn(purse.owner(), turn), span);
        relay.start(connector, how.upstream(), headers, limit, reason -> {
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
        try (Scope ignored = span.current()) {
            LOG.debug("Realtime session {} ({}) opened, token id {}", session.getId(), how.dialect().protocol().name(),
                    token.id());
        }
    }

    /** A client frame that {@link ClientFrames} could not take in the pipeline; the caller releases it. */
    void message(WebSocketFrame frame, WebSocketSession session) {
        RelaySession relay = sessions.get(session.getId());
        if (relay != null) {
            relay.fromClientFrame(frame);
            relay.clientReadComplete();
        }
    }

    void close(CloseReason reason, WebSocketSession session) {
        RelaySession relay = sessions.get(session.getId());
        if (relay != null) {
            relay.clientClosed(reason);
        }
    }
}

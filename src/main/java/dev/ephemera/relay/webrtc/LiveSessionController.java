package dev.ephemera.relay.webrtc;

import dev.ephemera.pricing.Pricing;
import dev.ephemera.relay.RelayCredentials;
import dev.ephemera.relay.SessionAdmission;
import dev.ephemera.error.BrokerException;
import dev.ephemera.error.ErrorCode;
import dev.ephemera.provider.Provider;
import dev.ephemera.provider.ProviderRegistry;
import dev.ephemera.json.StrictJson;
import dev.ephemera.token.Binding;
import dev.ephemera.token.Presented;
import dev.ephemera.token.RedeemedToken;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.MediaType;
import io.micronaut.http.MutableHttpResponse;
import io.micronaut.http.annotation.Body;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Post;
import io.micronaut.http.server.netty.NettyHttpRequest;
import io.micronaut.security.annotation.Secured;
import io.micronaut.security.rules.SecurityRule;
import io.netty.channel.EventLoop;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicReference;

/**
 * {@code POST /v1/live/sessions}: GPT-Live for browsers. GPT-Live has no client secret, so a page can only reach it
 * through a server that holds the key: here the broker, with the page's ephemeral token. The page sends what OpenAI's
 * SDKs send ({@code {session?, transport: {type: "webrtc", sdp}}} as JSON), or the bare SDP offer; the broker creates
 * the Live session with its key and the token's session config ({@link LiveSessionConfig}: the page's own settings
 * where the token's locks allow them, the data-channel rules always the broker's), watches it through the sideband
 * ({@link CallWatcher}) before answering, and answers with its own session id. GPT-Live reports seconds, not tokens:
 * a token limited in tokens or responses is refused ({@code usage_not_measurable}) before its use is taken.
 */
@Controller("/v1/live/sessions")
@Secured(SecurityRule.IS_ANONYMOUS)
final class LiveSessionController {

    private static final Set<String> BODY_KEYS = Set.of("session", "transport");

    private final SessionAdmission admission;
    private final ProviderRegistry providers;
    private final CallRequests requests;
    private final CallWatcher watcher;
    private final LiveSessionConfig configs;
    private final Pricing pricing;

    LiveSessionController(SessionAdmission admission, ProviderRegistry providers, CallRequests requests,
            CallWatcher watcher, LiveSessionConfig configs, Pricing pricing) {
        this.admission = admission;
        this.pricing = pricing;
        this.providers = providers;
        this.requests = requests;
        this.watcher = watcher;
        this.configs = configs;
    }

    /** What the page asked for: its offer, its session settings (empty: none), and whether it sent bare SDP. */
    private record Asked(String offer, Map<String, Object> session, boolean sdp) {
    }

    @Post(consumes = {MediaType.APPLICATION_JSON, WebRtcRelayController.APPLICATION_SDP},
            produces = {MediaType.APPLICATION_JSON, WebRtcRelayController.APPLICATION_SDP})
    CompletionStage<MutableHttpResponse<?>> create(HttpRequest<?> request, @Body byte[] body) {
        Asked asked = asked(request, body);
        String model = asked.session().get("model") instanceof String named ? Binding.requestedModel(named)
                : Binding.requestedModel(request.getParameters().get("model"));
        Binding binding = new Binding(null, Presented.of(model), RelayCredentials.origin(request), null, true);
        EventLoop loop = ((NettyHttpRequest<?>) request).getChannelHandlerContext().channel().eventLoop();
        AtomicReference<Map<String, Object>> session = new AtomicReference<>();
        return admission.admit(request, binding, "relay.live", token -> {
            Provider provider = providers.require(token.provider());
            if (!ProviderCall.controllable(provider)) {
                return CompletableFuture.failedFuture(new BrokerException(ErrorCode.TRANSPORT_NOT_CONTROLLABLE,
                        "The provider '" + provider.name() + "' has no GPT-Live sessions the broker can watch."));
            }
            if (token.limits().maxTotalTokens() != null || token.limits().maxResponses() != null) {
                return CompletableFuture.failedFuture(new BrokerException(ErrorCode.USAGE_NOT_MEASURABLE,
                        "GPT-Live reports a session's seconds, not its tokens or responses: this token's limits "
                                + "cannot be kept there; limit its seconds (max_session_seconds) instead."));
            }
            String priced = token.model() != null ? token.model() : model;
            if (token.limits().hasMoney() && pricing.price(token.provider(), priced).map(p -> p.perMinute() == 0)
                    .orElse(false)) {
                return CompletableFuture.failedFuture(new BrokerException(ErrorCode.USAGE_NOT_MEASURABLE,
                        "GPT-Live reports a session's seconds: this token's money limit needs the model's price per "
                                + "minute, which it has not here."));
            }
            try {
                session.set(configs.of(token, asked.session(), model));
            } catch (BrokerException e) {
                return CompletableFuture.failedFuture(e);
            }
            return CompletableFuture.completedFuture(() -> { });
        }).thenCompose(admitted -> start(request, admitted, session.get(), asked, loop));
    }

    private static Asked asked(HttpRequest<?> request, byte[] body) {
        if (request.getContentType().map(t -> t.getName().equals(WebRtcRelayController.APPLICATION_SDP))
                .orElse(false)) {
            return new Asked(offer(new String(body, StandardCharsets.UTF_8)), Map.of(), true);
        }
        if (!(StrictJson.parse(body).orElse(null) instanceof Map<?, ?> json)) {
            throw new BrokerException(ErrorCode.INVALID_JSON, "The body must be one strict JSON object "
                    + "{session?, transport}.");
        }
        for (Object key : json.keySet()) {
            if (!BODY_KEYS.contains(key)) {
                throw BrokerException.invalid(String.valueOf(key), "Only 'session' and 'transport' are taken.");
            }
        }
        if (!(json.get("transport") instanceof Map<?, ?> transport) || !"webrtc".equals(transport.get("type"))
                || !(transport.get("sdp") instanceof String sdp) || transport.size() != 2) {
            throw BrokerException.invalid("transport", "'transport' must be {type: \"webrtc\", sdp: <offer>}.");
        }
        Object session = json.get("session");
        if (session != null && !(session instanceof Map<?, ?>)) {
            throw BrokerException.invalid("session", "'session' must be an object.");
        }
        Map<String, Object> settings = new LinkedHashMap<>();
        if (session instanceof Map<?, ?> map) {
            map.forEach((k, v) -> settings.put((String) k, v));
        }
        return new Asked(offer(sdp), settings, false);
    }

    private static String offer(String sdp) {
        if (!sdp.startsWith("v=0")) {
            throw BrokerException.invalid("sdp", "The offer must be SDP (starting with v=0).");
        }
        return sdp;
    }

    private CompletionStage<MutableHttpResponse<?>> start(HttpRequest<?> request, SessionAdmission.Admitted admitted,
            Map<String, Object> session, Asked asked, EventLoop loop) {
        RedeemedToken token = admitted.token();
        Provider provider = providers.require(token.provider());
        java.net.http.HttpRequest.Builder upstream = requests.to(URI.create(provider.baseUri() + "/live/sessions"),
                admitted, request);
        Map<String, Object> created = Map.of("session", session, "transport",
                Map.of("type", "webrtc", "sdp", asked.offer()));
        upstream.header("Content-Type", MediaType.APPLICATION_JSON)
                .POST(java.net.http.HttpRequest.BodyPublishers.ofByteArray(StrictJson.write(created)));
        return requests.send(upstream.build(), BoundedBody.of(BoundedBody.CALL_ANSWER), admitted, provider)
                .thenCompose(answer -> watch(admitted, provider, answer.body(), asked, loop));
    }

    /** Reads the provider's answer, watches the session, and answers the page once the sideband is attached. */
    private CompletionStage<MutableHttpResponse<?>> watch(SessionAdmission.Admitted admitted, Provider provider,
            byte[] answer, Asked asked, EventLoop loop) {
        Object read = StrictJson.parse(answer).orElse(null);
        String id = read instanceof Map<?, ?> json && json.get("session") instanceof Map<?, ?> s
                && s.get("id") instanceof String value ? value : null;
        String sdp = read instanceof Map<?, ?> json && json.get("transport") instanceof Map<?, ?> t
                && t.get("sdp") instanceof String value ? value : null;
        ProviderCall call = ProviderCall.live(provider, id).orElse(null);
        if (call == null || sdp == null) {
            admitted.release().run();
            throw new BrokerException(ErrorCode.UPSTREAM_ERROR, "The provider '" + provider.name()
                    + "' answered without a session id or SDP answer, so the session cannot be watched.");
        }
        String location = "/v1/live/sessions/" + admitted.sessionId();
        return watcher.watch(admitted, call, loop, null).both().thenApply(attached -> {
            if (asked.sdp()) {
                return HttpResponse.created(sdp).contentType(WebRtcRelayController.APPLICATION_SDP)
                        .header("Location", location);
            }
            return HttpResponse.ok(new String(StrictJson.write(Map.of("session", Map.of("id", admitted.sessionId()),
                    "transport", Map.of("type", "webrtc", "sdp", sdp))), StandardCharsets.UTF_8))
                    .contentType(MediaType.APPLICATION_JSON).header("Location", location);
        });
    }
}

package dev.ephemera.relay.webrtc;

import dev.ephemera.relay.RelayCredentials;
import dev.ephemera.relay.event.OutputBudget;
import dev.ephemera.relay.SessionAdmission;
import dev.ephemera.error.BrokerException;
import dev.ephemera.error.ErrorCode;
import dev.ephemera.provider.Provider;
import dev.ephemera.provider.ProviderRegistry;
import dev.ephemera.token.Binding;
import dev.ephemera.token.Presented;
import dev.ephemera.token.RedeemedToken;
import io.micronaut.http.server.netty.NettyHttpRequest;
import io.netty.channel.EventLoop;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.MutableHttpResponse;
import io.micronaut.http.annotation.Body;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Post;
import io.micronaut.security.annotation.Secured;
import io.micronaut.security.rules.SecurityRule;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * {@code POST /v1/realtime/calls}: the WebRTC SDP relay, shaped like OpenAI's. Admits the session through the relays'
 * one path ({@link SessionAdmission}), posts the browser's SDP offer to the provider with the provider's key (and the
 * token's session config, as OpenAI's multipart form takes it, with the limit on a response's output that the token's
 * budget leaves), and returns the provider's SDP answer. Media and the data channel then go between the browser and
 * the provider; the broker watches the call through the provider's sideband ({@link CallWatcher}), attached before
 * the answer leaves when the token has locks or limits. The browser gets the broker's session id in
 * {@code Location}, never the provider's call id. A provider whose calls the broker cannot watch takes only tokens
 * without locks or limits ({@code 403 transport_not_controllable}, before the use is taken). Nothing here blocks a
 * thread.
 */
@Controller("/v1/realtime/calls")
@Secured(SecurityRule.IS_ANONYMOUS)
final class WebRtcRelayController {

    static final String APPLICATION_SDP = "application/sdp";

    private final SessionAdmission admission;
    private final ProviderRegistry providers;
    private final CallRequests requests;
    private final CallWatcher watcher;
    private final CallSessionConfigs sessions;

    WebRtcRelayController(SessionAdmission admission, ProviderRegistry providers, CallRequests requests,
            CallWatcher watcher, CallSessionConfigs sessions) {
        this.admission = admission;
        this.providers = providers;
        this.requests = requests;
        this.watcher = watcher;
        this.sessions = sessions;
    }

    @Post(consumes = APPLICATION_SDP, produces = APPLICATION_SDP)
    CompletionStage<MutableHttpResponse<String>> call(HttpRequest<?> request, @Body String offer) {
        if (!offer.startsWith("v=0")) {
            throw BrokerException.invalid("sdp", "The body must be an SDP offer (starting with v=0).");
        }
        // The query's own value: only an absent model means the token's.
        String named = Binding.requestedModel(request.getParameters().get("model"));
        Binding binding = new Binding(null, Presented.of(named), RelayCredentials.origin(request), null, true);
        EventLoop loop = ((NettyHttpRequest<?>) request).getChannelHandlerContext().channel().eventLoop();
        return admission.admit(request, binding, "relay.webrtc", this::controllable)
                .thenCompose(admitted -> start(request, admitted, named, offer, loop));
    }

    /** Whether the token is controlled (locks or limits): then the call must be watched before it is answered. */
    static boolean controlled(RedeemedToken token) {
        return !token.limits().isNone() || token.lockedFields() != null && !token.lockedFields().isEmpty();
    }

    /**
     * A provider whose calls have no sideband and hang-up lets the broker see nothing after the SDP: a token with
     * locks or limits is refused there before its use is taken (SPEC §11, {@code transport_not_controllable}).
     */
    private CompletionStage<Runnable> controllable(RedeemedToken token) {
        if (controlled(token) && !ProviderCall.controllable(providers.require(token.provider()))) {
            return CompletableFuture.failedFuture(new BrokerException(ErrorCode.TRANSPORT_NOT_CONTROLLABLE,
                    "This token has locked fields or usage limits, which the broker cannot hold on this provider's "
                            + "WebRTC calls; connect through the WebSocket relay (/v1/realtime) instead."));
        }
        return CompletableFuture.completedFuture(() -> { });
    }

    /** A call's output limit, lowered to what the money it holds pays for at the model's dearest output price. */
    @Nullable
    private static Long limited(@Nullable Long tokens, SessionAdmission.Admitted admitted) {
        if (admitted.purse() == null) {
            return tokens;
        }
        long money = Math.min(admitted.purse().cap(), OutputBudget.PROVIDER_MAXIMUM);
        return tokens == null ? money : Math.min(tokens, money);
    }

    private CompletionStage<MutableHttpResponse<String>> start(HttpRequest<?> request,
            SessionAdmission.Admitted admitted, @Nullable String model, String offer, EventLoop loop) {
        RedeemedToken token = admitted.token();
        Provider provider = providers.require(token.provider());
        Long outputLimit = limited(CallSessionConfigs.outputLimit(token, admitted.usedBefore()), admitted);
        return post(request, admitted, provider, model, offer, outputLimit).thenCompose(answer -> {
            if (!ProviderCall.controllable(provider)) {
                // Nothing to watch: the call is not a live session here (README), and its places are given back.
                admitted.release().run();
                return CompletableFuture.completedFuture(sdp(answer, answer.headers().firstValue("Location")
                        .map(l -> "/v1/realtime/calls/" + l.substring(l.lastIndexOf('/') + 1)).orElse(null)));
            }
            // One Location, naming the call: with two, which call is this one?
            java.util.List<String> locations = answer.headers().allValues("Location");
            ProviderCall call = locations.size() != 1 ? null
                    : ProviderCall.realtime(provider, locations.get(0)).orElse(null);
            if (call == null) {
                admitted.release().run();
                throw new BrokerException(ErrorCode.UPSTREAM_ERROR, "The provider '" + provider.name()
                        + "' answered the offer without a call id, so the call cannot be watched.");
            }
            CallWatcher.Watching watching = watcher.watch(admitted, call, loop, outputLimit);
            MutableHttpResponse<String> response = sdp(answer, "/v1/realtime/calls/" + admitted.sessionId());
            // The session id handed out is one the kill switch finds; a controlled call is watched first too.
            return (controlled(token) ? watching.both() : watching.listed()).thenApply(ok -> response);
        });
    }

    /** Posts the offer; a failure or a refusal gives the session's places back and fails with upstream_error. */
    private CompletionStage<java.net.http.HttpResponse<byte[]>> post(HttpRequest<?> request,
            SessionAdmission.Admitted admitted, Provider provider, @Nullable String model, String offer,
            @Nullable Long outputLimit) {
        RedeemedToken token = admitted.token();
        String effectiveModel = model != null ? model : token.model();
        String query = effectiveModel == null ? ""
                : "?model=" + URLEncoder.encode(effectiveModel, StandardCharsets.UTF_8);
        java.net.http.HttpRequest.Builder upstream = requests.to(
                URI.create(provider.baseUri() + "/realtime/calls" + query), admitted, request);
        byte[] session = sessions.realtime(token, outputLimit);
        if (session == null) {
            upstream.header("Content-Type", APPLICATION_SDP)
                    .POST(java.net.http.HttpRequest.BodyPublishers.ofString(offer));
        } else {
            String boundary = "ephemera-" + UUID.randomUUID();
            upstream.header("Content-Type", "multipart/form-data; boundary=" + boundary)
                    .POST(java.net.http.HttpRequest.BodyPublishers.ofString(multipart(boundary, offer, session)));
        }
        return requests.send(upstream.build(), BoundedBody.of(BoundedBody.CALL_ANSWER), admitted, provider);
    }

    private static MutableHttpResponse<String> sdp(java.net.http.HttpResponse<byte[]> answer,
            @Nullable String location) {
        MutableHttpResponse<String> response = HttpResponse.<String>status(
                io.micronaut.http.HttpStatus.valueOf(answer.statusCode()))
                .body(new String(answer.body(), StandardCharsets.UTF_8))
                .contentType(APPLICATION_SDP);
        if (location != null) {
            response.header("Location", location);
        }
        return response;
    }

    private static String multipart(String boundary, String offer, byte[] session) {
        return "--" + boundary + "\r\nContent-Disposition: form-data; name=\"sdp\"\r\n"
                + "Content-Type: application/sdp\r\n\r\n" + offer + "\r\n"
                + "--" + boundary + "\r\nContent-Disposition: form-data; name=\"session\"\r\n"
                + "Content-Type: application/json\r\n\r\n" + new String(session, StandardCharsets.UTF_8) + "\r\n"
                + "--" + boundary + "--\r\n";
    }
}

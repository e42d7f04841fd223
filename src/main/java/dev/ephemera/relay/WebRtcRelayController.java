package dev.ephemera.relay;

import dev.ephemera.error.BrokerException;
import dev.ephemera.error.ErrorCode;
import dev.ephemera.provider.Provider;
import dev.ephemera.provider.ProviderRegistry;
import dev.ephemera.token.Binding;
import dev.ephemera.token.RedeemedToken;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.MutableHttpResponse;
import io.micronaut.http.annotation.Body;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Post;
import io.micronaut.json.JsonMapper;
import io.micronaut.security.annotation.Secured;
import io.micronaut.security.rules.SecurityRule;
import jakarta.inject.Named;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * {@code POST /v1/realtime/calls}: the WebRTC SDP relay, shaped like OpenAI's. Redeems the token through the
 * relays' one path ({@link Redeemer}), posts the browser's SDP offer to the provider with the provider's key (and
 * the token's session config, as OpenAI's multipart form takes it), and returns the provider's SDP answer. Media
 * then flows between the browser and the provider directly; the broker only brokers the offer. Nothing here blocks
 * a thread.
 */
@Controller("/v1/realtime/calls")
@Secured(SecurityRule.IS_ANONYMOUS)
final class WebRtcRelayController {

    static final String APPLICATION_SDP = "application/sdp";

    private final Redeemer redeemer;
    private final ProviderRegistry providers;
    private final HttpClient client;
    private final RelayConfiguration config;
    private final JsonMapper json;

    WebRtcRelayController(Redeemer redeemer, ProviderRegistry providers, @Named("upstream-jdk") HttpClient client,
            RelayConfiguration config, JsonMapper json) {
        this.redeemer = redeemer;
        this.providers = providers;
        this.client = client;
        this.config = config;
        this.json = json;
    }

    @Post(consumes = APPLICATION_SDP, produces = APPLICATION_SDP)
    CompletionStage<MutableHttpResponse<String>> call(HttpRequest<?> request, @Body String offer) {
        if (!offer.startsWith("v=0")) {
            throw BrokerException.invalid("sdp", "The body must be an SDP offer (starting with v=0).");
        }
        // The query's own value: only an absent model means the token's.
        String named = Binding.requestedModel(request.getParameters().get("model"));
        Binding binding = new Binding(null, named, RelayCredentials.origin(request));
        return redeemer.redeem(request, RelayCredentials.token(request), binding, "relay.webrtc",
                WebRtcRelayController::controllable)
                .thenCompose(redeemed -> offer(request, redeemed, named, offer));
    }

    /**
     * After the SDP the media and the data channel go browser to provider: the broker sees no event, so a token
     * with locked fields or limits is refused before its use is taken (SPEC §11, {@code transport_not_controllable}).
     */
    private static CompletionStage<Runnable> controllable(RedeemedToken token) {
        if (!token.limits().isNone() || token.lockedFields() != null && !token.lockedFields().isEmpty()) {
            return CompletableFuture.failedFuture(new BrokerException(ErrorCode.TRANSPORT_NOT_CONTROLLABLE,
                    "This token has locked fields or usage limits, which the broker cannot hold on a WebRTC call; "
                            + "connect through the WebSocket relay (/v1/realtime) instead."));
        }
        return CompletableFuture.completedFuture(() -> { });
    }

    private CompletionStage<MutableHttpResponse<String>> offer(HttpRequest<?> request, Redeemer.Redeemed redeemed,
            @Nullable String model, String offer) {
        RedeemedToken token = redeemed.token();
        Provider provider = providers.require(token.provider());
        String effectiveModel = model != null ? model : token.model();
        String query = effectiveModel == null ? ""
                : "?model=" + URLEncoder.encode(effectiveModel, StandardCharsets.UTF_8);
        URI target = URI.create(provider.baseUri() + "/realtime/calls" + query);
        java.net.http.HttpRequest.Builder upstream = java.net.http.HttpRequest.newBuilder(target)
                .timeout(config.upstreamTimeout());
        redeemed.upstreamHeaders().forEach(upstream::header);
        RelayCredentials.clientRequestId(request).ifPresent(id -> upstream.header("X-Client-Request-Id", id));
        if (token.session() == null) {
            upstream.header("Content-Type", APPLICATION_SDP)
                    .POST(java.net.http.HttpRequest.BodyPublishers.ofString(offer));
        } else {
            String boundary = "ephemera-" + UUID.randomUUID();
            upstream.header("Content-Type", "multipart/form-data; boundary=" + boundary)
                    .POST(java.net.http.HttpRequest.BodyPublishers.ofString(multipart(boundary, offer, token)));
        }
        return client.sendAsync(upstream.build(), java.net.http.HttpResponse.BodyHandlers.ofString())
                .handle((answer, failed) -> {
                    if (failed != null) {
                        throw new BrokerException(ErrorCode.UPSTREAM_ERROR, "The provider '" + provider.name()
                                + "' did not answer in time or could not be reached; retry later.");
                    }
                    return answer(answer, provider);
                });
    }

    private static MutableHttpResponse<String> answer(java.net.http.HttpResponse<String> answer, Provider provider) {
        if (answer.statusCode() == 401 || answer.statusCode() == 403) {
            throw new BrokerException(ErrorCode.UPSTREAM_ERROR, "The provider '" + provider.name()
                    + "' refused the broker's credentials; an operator must check its key.");
        }
        if (answer.statusCode() >= 300) {
            throw new BrokerException(ErrorCode.UPSTREAM_ERROR, "The provider '" + provider.name()
                    + "' refused the offer (HTTP " + answer.statusCode() + ").");
        }
        MutableHttpResponse<String> response = HttpResponse.<String>status(
                io.micronaut.http.HttpStatus.valueOf(answer.statusCode())).body(answer.body())
                .contentType(APPLICATION_SDP);
        answer.headers().firstValue("Location").ifPresent(location -> response.header("Location",
                "/v1/realtime/calls/" + location.substring(location.lastIndexOf('/') + 1)));
        return response;
    }

    private String multipart(String boundary, String offer, RedeemedToken token) {
        try {
            return "--" + boundary + "\r\nContent-Disposition: form-data; name=\"sdp\"\r\n"
                    + "Content-Type: application/sdp\r\n\r\n" + offer + "\r\n"
                    + "--" + boundary + "\r\nContent-Disposition: form-data; name=\"session\"\r\n"
                    + "Content-Type: application/json\r\n\r\n" + json.writeValueAsString(token.session()) + "\r\n"
                    + "--" + boundary + "--\r\n";
        } catch (IOException e) {
            throw new IllegalStateException("cannot write the session config", e);
        }
    }
}

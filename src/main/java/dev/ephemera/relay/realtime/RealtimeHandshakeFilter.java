package dev.ephemera.relay.realtime;

import dev.ephemera.pricing.Price;
import dev.ephemera.error.ErrorCode;
import dev.ephemera.pricing.Pricing;
import dev.ephemera.provider.Provider;
import dev.ephemera.provider.ProviderRegistry;
import dev.ephemera.relay.MoneyPurse;
import dev.ephemera.relay.Redeemer;
import dev.ephemera.relay.RelayCredentials;
import dev.ephemera.relay.SessionAdmission;
import dev.ephemera.relay.event.RealtimeProtocol;
import dev.ephemera.error.BrokerException;
import dev.ephemera.session.Usage;
import dev.ephemera.token.Binding;
import dev.ephemera.token.Presented;
import dev.ephemera.token.RedeemedToken;
import dev.ephemera.web.ErrorResponses;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpMethod;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.MutableHttpResponse;
import io.micronaut.http.annotation.Filter;
import io.micronaut.http.filter.FilterPatternStyle;
import io.micronaut.http.filter.HttpServerFilter;
import io.micronaut.http.filter.ServerFilterChain;
import io.micronaut.http.filter.ServerFilterPhase;
import io.micronaut.http.server.netty.NettyHttpRequest;
import io.netty.channel.Channel;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * Checks a realtime WebSocket handshake before the upgrade, through the relays' one redemption path
 * ({@link Redeemer}): every check that can refuse runs before the token's use is taken. Draining and capacity are
 * checked first; then the token is looked at (not used), its provider must have a key, the page's {@code Origin}
 * must be allowed, and the minting key must have a session place free, which is taken; then the use is taken
 * atomically where the token matches the requested model and the origin. When that refuses, the places are given
 * back. A
 * refusal is an ordinary HTTP error with the SPEC's JSON body; the WebSocket is never opened. The token's record
 * and the session's place travel to {@link RealtimeRelay} as a request attribute; the place is given back when the
 * handshake is answered with anything but the upgrade, and when its connection closes, however it closes.
 */
// Every spelling the router sends to RealtimeRelay's route: a trailing slash and doubled slashes too (the Ant
// pattern "/v1/realtime" missed "/v1/realtime/", which then opened and at once closed the WebSocket instead of
// answering the error). A regular expression also for the reason given on HttpRelayFilter.
// The Live relay's path is Google's under the HTTP relay's (LivePaths); anything else under /v1/proxy/*/ws/ is no
// relay's and is answered 404 here.
@Filter(value = "/+v1/+realtime/*|/v1/proxy/[^/]+/ws/.*", patternStyle = FilterPatternStyle.REGEX)
final class RealtimeHandshakeFilter implements HttpServerFilter {

    static final String REDEEMED = "ephemera.relay.redeemed";
    /** Every spelling of {@code /v1/realtime} the router takes; the filter's other paths are the Live relay's. */
    private static final java.util.regex.Pattern OPENAI_PATH = java.util.regex.Pattern.compile("/+v1/+realtime/*");

    /**
     * A redeemed token, its provider's credentials, the place taken for it among its key's sessions, and the one
     * taken on this replica. {@link #release} gives both back; it may be called any number of times.
     */
    record Handshake(RedeemedToken token, Map<String, String> upstreamHeaders, String sessionId, Runnable release,
            Channel channel, Usage usedBefore, @Nullable Price price, @Nullable MoneyPurse purse) {
    }

    private final SessionAdmission admission;
    private final Pricing pricing;
    private final ProviderRegistry providers;

    RealtimeHandshakeFilter(SessionAdmission admission, Pricing pricing, ProviderRegistry providers) {
        this.providers = providers;
        this.admission = admission;
        this.pricing = pricing;
    }

    @Override
    public int getOrder() {
        return ServerFilterPhase.SECURITY.after();
    }

    @Override
    public Publisher<MutableHttpResponse<?>> doFilter(HttpRequest<?> request, ServerFilterChain chain) {
        if (request.getMethod() != HttpMethod.GET) {
            return chain.proceed(request);
        }
        return Mono.defer(() -> Mono.fromCompletionStage(redeem(request)))
                .publishOn(connectionThread(request))
                .flatMapMany(handshake -> {
                    request.setAttribute(REDEEMED, handshake);
                    Runnable release = handshake.release();
                    if (request instanceof NettyHttpRequest<?> netty) {
                        netty.getChannelHandlerContext().channel().closeFuture().addListener(closed -> release.run());
                    }
                    return Flux.from(chain.proceed(request)).doOnNext(response -> {
                        // The upgrade passes the filters as a 200 (Micronaut answers 101 after them); an error is
                        // a handshake that ends here.
                        if (response.code() >= 300) {
                            release.run();
                        }
                    });
                })
                .onErrorResume(BrokerException.class, e -> Mono.just(ErrorResponses.of(e)));
    }

    /**
     * The connection's own event loop. The upgrade must continue there: Micronaut swaps the pipeline to WebSocket
     * handling where the filter chain completes, and a frame the client sends right after the handshake would
     * otherwise reach the HTTP handler first (micronaut-core#11252).
     */
    private Scheduler connectionThread(HttpRequest<?> request) {
        return request instanceof NettyHttpRequest<?> netty
                ? Schedulers.fromExecutor(netty.getChannelHandlerContext().executor()) : Schedulers.immediate();
    }

    /** Admits the session ({@link SessionAdmission}); the WebSocket's connection travels with it. */
    private CompletionStage<Handshake> redeem(HttpRequest<?> request) {
        boolean live = !OPENAI_PATH.matcher(request.getPath()).matches();
        if (live && !LivePaths.serves(request.getPath())) {
            return CompletableFuture.failedFuture(new BrokerException(ErrorCode.NOT_FOUND, "No relay is at this path; "
                    + "the Live API relay is at /v1/proxy/<provider>/ws/google.ai.generativelanguage.v1beta"
                    + ".GenerativeService.BidiGenerateContent."));
        }
        String model = Binding.requestedModel(request.getParameters().get("model"));
        Binding binding = new Binding(live ? LivePaths.provider(request.getPath()) : null, Presented.of(model),
                RelayCredentials.origin(request), null, true);
        RealtimeProtocol protocol = live ? RealtimeProtocol.GEMINI_LIVE : RealtimeProtocol.OPENAI;
        Redeemer.Reservation transport = token -> spoken(providers.require(token.provider()), protocol)
                .thenCompose(ok -> byTheMinute(token, model));
        return admission.admit(request, binding, "relay.realtime", transport).thenApply(admitted ->
                new Handshake(admitted.token(), admitted.upstreamHeaders(), admitted.sessionId(), admitted.release(),
                        ((NettyHttpRequest<?>) request).getChannelHandlerContext().channel(), admitted.usedBefore(),
                        admitted.price(), admitted.purse()));
    }

    /** The token's provider must speak the protocol of the relay the client connected to. */
    private static CompletionStage<Void> spoken(Provider provider, RealtimeProtocol protocol) {
        if (protocol == RealtimeProtocol.OPENAI ? provider.speaksOpenAiRealtime() : provider.speaksLive()) {
            return CompletableFuture.completedFuture(null);
        }
        return CompletableFuture.failedFuture(BrokerException.invalid("provider", "This token's provider does not "
                + "speak " + (protocol == RealtimeProtocol.OPENAI ? "OpenAI's realtime protocol; connect to the Live "
                + "API relay (/v1/proxy/<provider>/ws/google.ai.generativelanguage.v1beta.GenerativeService"
                + ".BidiGenerateContent)."
                : "Google's Live API; connect to /v1/realtime.")));
    }

    /**
     * A model billed by the minute reports no seconds over the WebSocket: a money limit on it cannot be held here
     * ({@code usage_not_measurable}, before the use is taken); GPT-Live, whose sideband reports them, can.
     */
    private CompletionStage<Runnable> byTheMinute(RedeemedToken token, @Nullable String model) {
        String priced = token.model() != null ? token.model() : model;
        if (token.limits().hasMoney() && pricing.price(token.provider(), priced).map(p -> p.perMinute() > 0)
                .orElse(false)) {
            return CompletableFuture.failedFuture(new BrokerException(ErrorCode.USAGE_NOT_MEASURABLE, "This token "
                    + "has a money limit, and its model is billed by the minute, which the WebSocket relay cannot "
                    + "measure; use GPT-Live sessions (/v1/live/sessions)."));
        }
        return CompletableFuture.completedFuture(() -> { });
    }
}

package dev.ephemera.relay.http;

import dev.ephemera.error.BrokerException;
import dev.ephemera.error.ErrorCode;
import dev.ephemera.logging.RepeatedLog;
import dev.ephemera.metrics.OperationsMetrics;
import dev.ephemera.provider.EndpointPattern;
import dev.ephemera.provider.Provider;
import dev.ephemera.provider.ProviderRegistry;
import dev.ephemera.relay.Redeemer;
import dev.ephemera.relay.RelayCredentials;
import dev.ephemera.relay.UpstreamFailure;
import dev.ephemera.token.Binding;
import dev.ephemera.token.Presented;
import dev.ephemera.trace.Tracing;
import dev.ephemera.web.ErrorResponses;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.MutableHttpHeaders;
import io.micronaut.http.MutableHttpRequest;
import io.micronaut.http.MutableHttpResponse;
import io.micronaut.http.ServerHttpRequest;
import io.micronaut.http.annotation.Filter;
import io.micronaut.http.body.AvailableByteBody;
import io.micronaut.http.body.CloseableAvailableByteBody;
import io.micronaut.http.client.ProxyHttpClient;
import io.micronaut.http.filter.FilterPatternStyle;
import io.micronaut.http.filter.HttpServerFilter;
import io.micronaut.http.filter.ServerFilterChain;
import io.micronaut.http.filter.ServerFilterPhase;
import io.micronaut.http.server.HttpServerConfiguration;
import io.opentelemetry.context.Scope;
import jakarta.inject.Named;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicReference;
import org.reactivestreams.Publisher;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;

/**
 * {@code * /v1/proxy/{provider}/{path}}: decides everything that can refuse first — a path under the provider's
 * API, one of its allowed endpoints, a body within the size limit, read whole — then takes one use of the token
 * where it is bound to this provider, model, origin and endpoint (one atomic step), then forwards the request to
 * the provider with the provider's key in its own style, streaming the response (SSE arrives as it is sent). The
 * client's credentials, cookies and hop-by-hop headers never go upstream; the provider's refusal of the broker's
 * key never reaches the client (it could quote the key).
 */
// A regular expression, not "/v1/proxy/**": Micronaut matches an Ant pattern by splitting path and pattern on
// every request to every endpoint (5% of an opaque mint's allocated bytes); a compiled expression is cached.
// Same paths: /v1/proxy itself and everything under /v1/proxy/, but for a provider's Live API WebSocket (/ws/),
// which the realtime relay's handshake check takes.
@Filter(value = "/v1/proxy(?!/[^/]+/ws/)(/.*)?", patternStyle = FilterPatternStyle.REGEX)
final class HttpRelayFilter implements HttpServerFilter {

    private static final Logger LOG = LoggerFactory.getLogger(HttpRelayFilter.class);
    private static final RepeatedLog REPEATED = new RepeatedLog(LOG);
    private static final String PREFIX = "/v1/proxy/";
    private static final Set<String> DROPPED_RESPONSE_HEADERS = Set.of("connection", "keep-alive",
            "proxy-authenticate", "trailer", "upgrade", "set-cookie", "www-authenticate", "alt-svc",
            // Trace context is the broker's and the provider's: echoed, it would hand a backend's trace to a client.
            "traceparent", "tracestate", "traceresponse", "baggage");

    private final ProviderRegistry providers;
    private final Redeemer redeemer;
    private final ProxyHttpClient upstream;
    private final long maxRequestSize;
    private final HttpBudget budget;
    private final Tracing tracing;
    private final OperationsMetrics metrics;

    HttpRelayFilter(ProviderRegistry providers, Redeemer redeemer, @Named("upstream") ProxyHttpClient upstream,
            HttpServerConfiguration server, HttpBudget budget, Tracing tracing, OperationsMetrics metrics) {
        this.tracing = tracing;
        this.metrics = metrics;
        this.budget = budget;
        this.providers = providers;
        this.redeemer = redeemer;
        this.upstream = upstream;
        this.maxRequestSize = server.getMaxRequestSize();
    }

    @Override
    public int getOrder() {
        return ServerFilterPhase.SECURITY.after();
    }

    @Override
    public Publisher<MutableHttpResponse<?>> doFilter(HttpRequest<?> request, ServerFilterChain chain) {
        return Mono.defer(() -> {
            Target target = target(request);
            String provider = target.provider().name();
            String path = target.uri().getPath();
            return Mono.usingWhen(wholeBody(request),
                    body -> {
                        RelayedBody read = RelayedBody.read(request, whole(request, body), provider, path);
                        return Mono.fromCompletionStage(consume(request, target, read))
                                .flatMap(relayed -> forward(relayed, HttpBudget.rewritten(provider, path,
                                        relayed.request(), read, relayed.grant().cap()).or(() -> body)));
                    },
                    body -> Mono.fromRunnable(() -> body.ifPresent(CloseableAvailableByteBody::close)));
        }).onErrorResume(UpstreamFailures::tooLarge, e -> Mono.just(ErrorResponses.of(tooLarge())))
                .onErrorResume(BrokerException.class, e -> Mono.just(ErrorResponses.of(e)));
    }

    private Mono<MutableHttpResponse<?>> forward(Relayed relayed, Optional<CloseableAvailableByteBody> body) {
        HttpBudget.Grant grant = relayed.grant();
        RequestSpan span = relayed.span();
        return Mono.from(upstream.proxy(body.isPresent()
                        ? new WholeBodyRequest<>(relayed.request(), body.get()) : relayed.request()))
                .<MutableHttpResponse<?>>map(response -> {
                    UpstreamFailure.ofAnswer(response.code()).ifPresent(kind ->
                            metrics.upstreamError(relayed.provider(), kind.label()));
                    MutableHttpResponse<?> cleaned = clean(response, relayed.provider());
                    span.answered(response.code());
                    if (cleaned.code() < 300) {
                        return UsageTap.attach(cleaned, usage -> {
                            grant.counted(usage, relayed.model());
                            span.counted(usage);
                        });
                    }
                    grant.refunded();
                    span.end(null);
                    return cleaned;
                })
                // A client that leaves before the answer: the provider may be producing it, so it counts at its cap.
                .doOnCancel(() -> {
                    grant.counted(null, relayed.model());
                    span.end(null);
                })
                .onErrorResume(e -> {
                    span.end(e);
                    if (UpstreamFailure.neverSent(e) || UpstreamFailures.tooLarge(e)) {
                        grant.refunded();
                    } else {
                        // Timed out or cut after the request went: the provider may have produced (and billed) it.
                        grant.counted(null, relayed.model());
                    }
                    if (UpstreamFailures.tooLarge(e)) {
                        return Mono.just(ErrorResponses.of(tooLarge()));
                    }
                    metrics.upstreamError(relayed.provider(), UpstreamFailure.ofRequest(e).label());
                    try (Scope ignored = span.current()) {
                        REPEATED.warn("Upstream {} failed: {}", relayed.provider(), e.getClass().getSimpleName());
                    }
                    return Mono.just(ErrorResponses.of(ErrorCode.UPSTREAM_ERROR, "The provider '"
                            + relayed.provider() + "' did not answer in time or could not be reached; retry later.",
                            null));
                });
    }

    private static BrokerException tooLarge() {
        return new BrokerException(ErrorCode.PAYLOAD_TOO_LARGE,
                "The request body is larger than the broker relays (micronaut.server.max-request-size).");
    }

    /** A request on its way: its provider, the request to send, and its share of its token's budget. */
    private record Relayed(String provider, MutableHttpRequest<?> request, HttpBudget.Grant grant,
            @Nullable String model, RequestSpan span) {
    }


    /**
     * Where a request would go, decided before the store is asked: the provider (with its key), the upstream URI,
     * and the allowed endpoints the request is. Refuses a path outside the provider's API, an endpoint the provider
     * does not allow, and a body over the size limit; none of them costs the token a use.
     */
    private record Target(Provider provider, URI uri, List<EndpointPattern.Match> matches, String token) {
    }

    private Target target(HttpRequest<?> request) {
        String rawPath = request.getUri().getRawPath();
        String rest = rawPath.length() > PREFIX.length() ? rawPath.substring(PREFIX.length()) : "";
        int slash = rest.indexOf('/');
        String name = slash < 0 ? rest : rest.substring(0, slash);
        // A request without a token is refused before its body is read.
        String token = RelayCredentials.token(request);
        Provider provider = providers.require(name);
        URI uri = UpstreamPaths.resolve(provider.baseUri(), slash < 0 ? "" : rest.substring(slash + 1),
                request.getUri().getRawQuery());
        if (request.getContentLength() > maxRequestSize) {
            throw tooLarge();
        }
        // Decided on the decoded path: UpstreamPaths let through no encoding that could change its meaning.
        String path = uri.getPath().substring(provider.baseUri().getPath().length());
        List<EndpointPattern.Match> matches = provider.endpoints(request.getMethodName(), path);
        if (matches.isEmpty()) {
            throw new BrokerException(ErrorCode.ENDPOINT_NOT_ALLOWED, "The broker relays only the provider's "
                    + "inference endpoints that its configuration allows (allowed-endpoints); this is not one.");
        }
        return new Target(provider, uri, matches, token);
    }

    /**
     * The request's body read whole before anything is decided (empty when it came whole with its headers and is
     * forwarded as it is): its model decides for a model-bound token, and a body over
     * {@code micronaut.server.max-request-size} fails here, before the token's use is taken. Read whole also
     * because Micronaut's client closes an upstream connection, instead of pooling it, when the provider answers
     * before a streamed body's last write completes (a new connection, against a real provider a TLS handshake,
     * for one request in four from Java's HTTP client). Bounded by the request size limit.
     */
    private static Mono<Optional<CloseableAvailableByteBody>> wholeBody(HttpRequest<?> request) {
        if (!(request instanceof ServerHttpRequest<?> server) || server.byteBody() instanceof AvailableByteBody) {
            return Mono.just(Optional.empty());
        }
        return Mono.fromCompletionStage(server.byteBody().buffer()).map(Optional::of);
    }

    /** The request's body, read whole: {@code body}, or the body that came whole with the headers; else null. */
    @Nullable
    private static AvailableByteBody whole(HttpRequest<?> request, Optional<CloseableAvailableByteBody> body) {
        return body.isPresent() ? body.get()
                : request instanceof ServerHttpRequest<?> server && server.byteBody() instanceof AvailableByteBody a
                        ? a : null;
    }

    /** The model the request uses: the path's, where the endpoint puts it there, else the body's. */
    private static Presented model(Target target, RelayedBody body) {
        for (EndpointPattern.Match match : target.matches()) {
            if (match.pathModel() != null) {
                return Presented.of(match.pathModel());
            }
        }
        return body.model();
    }

    /**
     * Takes the token's use where it is bound to this provider, model, origin and endpoint, and where its limits
     * allow a request whose usage is (not) measurable; then reserves the request's share of the token's budget.
     * Nothing blocks the event loop; the provider is only called once this has succeeded.
     */
    private CompletionStage<Relayed> consume(HttpRequest<?> request, Target target, RelayedBody body) {
        Binding binding = new Binding(target.provider().name(), model(target, body),
                RelayCredentials.origin(request),
                target.matches().stream().map(m -> m.endpoint().toString()).toList(), body.measurable());
        long choices = body.json() == null ? 1 : RelayedBody.choices(body.json());
        AtomicReference<HttpBudget.Held> money = new AtomicReference<>();
        String model = binding.model() instanceof Presented.Value v ? v.value() : null;
        return redeemer.redeem(request, target.token(), binding, "relay.http",
                        budget.money(body, model, choices, money))
                .thenCompose(redeemed -> budget.reserve(redeemed.token(), choices, money.get()).thenApply(grant ->
                        upstreamRequest(request, target, redeemed, grant, model, RequestSpan.start(tracing,
                                redeemed.token(), request.getMethodName(), target.uri().getPath(), model,
                                budget::knows))));
    }

    /**
     * The request as it goes to the provider: only the headers its SDKs send ({@link ProviderRequestHeaders}, an
     * allow-list), then the provider's key and configured headers.
     */
    private static Relayed upstreamRequest(HttpRequest<?> request, Target target, Redeemer.Redeemed redeemed,
            HttpBudget.Grant grant, @Nullable String model, RequestSpan span) {
        MutableHttpRequest<?> out = request.mutate();
        out.uri(target.uri());
        MutableHttpHeaders headers = out.getHeaders();
        String provider = target.provider().name();
        List<String> drop = new ArrayList<>();
        for (String header : headers.names()) {
            if (!ProviderRequestHeaders.allowed(provider, header)) {
                drop.add(header);
            }
        }
        drop.forEach(headers::remove);
        redeemed.upstreamHeaders().forEach(headers::set);
        span.toProvider().forEach(headers::set);
        return new Relayed(provider, out, grant, model, span);
    }

    private static MutableHttpResponse<?> clean(MutableHttpResponse<?> response, String provider) {
        if (response.getStatus() == HttpStatus.UNAUTHORIZED || response.getStatus() == HttpStatus.FORBIDDEN) {
            REPEATED.warn("Provider {} refused the broker's key (HTTP {})", provider, response.getStatus().getCode());
            return ErrorResponses.of(ErrorCode.UPSTREAM_ERROR, "The provider '" + provider + "' refused the broker's "
                    + "credentials; an operator must check its key.", null);
        }
        MutableHttpHeaders headers = response.getHeaders();
        List<String> drop = new ArrayList<>();
        for (String header : headers.names()) {
            String name = header.toLowerCase(Locale.ROOT);
            // CORS is the broker's decision (CorsFilter), never the provider's: a provider's "*" must not reach
            // a browser (SPEC §7).
            if (DROPPED_RESPONSE_HEADERS.contains(name) || name.startsWith("access-control-")) {
                drop.add(header);
            }
        }
        drop.forEach(headers::remove);
        String upstreamId = headers.get("X-Request-Id");
        if (upstreamId != null) {
            headers.remove("X-Request-Id");
            headers.set("X-Upstream-Request-Id", upstreamId);
        }
        return response;
    }
}

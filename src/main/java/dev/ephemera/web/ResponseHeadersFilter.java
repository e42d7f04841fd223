package dev.ephemera.web;

import dev.ephemera.metrics.BrokerMetrics;
import dev.ephemera.metrics.OperationsMetrics;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.core.order.Ordered;
import io.micronaut.http.HttpHeaders;
import io.micronaut.http.HttpRequest;
import io.micronaut.web.router.RouteAttributes;
import io.micronaut.web.router.RouteInfo;
import io.micronaut.web.router.UriRouteInfo;
import io.micronaut.http.MutableHttpResponse;
import io.micronaut.http.annotation.RequestFilter;
import io.micronaut.http.annotation.ResponseFilter;
import io.micronaut.http.annotation.ServerFilter;
import io.micronaut.http.filter.FilterPatternStyle;
import io.micronaut.http.filter.ServerFilterPhase;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.regex.Pattern;

/**
 * Gives every request an id (the caller's {@code X-Request-Id} when it is a plain token, else a new one) and
 * returns it on every response; marks every response {@code Cache-Control: no-store}, since minted secrets must
 * never sit in a cache; and hands every answered request to the metrics, timed from when it reached the filters,
 * and what the readiness probe answered to {@code ephemera_ready}. (The timing lives here rather than in a filter of
 * its own: another pair of filter methods on every request cost 3 KB of allocation and 5% of the opaque mints a
 * second, measured; here it costs about 1%.)
 */
@ServerFilter(value = "/**", patternStyle = FilterPatternStyle.ANT)
final class ResponseHeadersFilter implements Ordered {

    /** The route of every relayed HTTP request: its paths are the caller's, not a series each. */
    private static final String RELAY_ROUTE = "/v1/proxy/{provider}/{path}";
    /** The readiness probe's path: its answers are {@code ephemera_ready}. */
    private static final String READINESS = "/health/readiness";
    /** The route of requests that matched none: probes, typos, scanners. */
    private static final String UNMATCHED = "UNMATCHED";

    public static final String REQUEST_ID = "X-Request-Id";
    private static final String ROUTE = "ephemera.route";
    static final String ATTRIBUTE = "ephemera.request-id";
    private static final String STARTED = "ephemera.request-started";
    private static final Pattern SAFE_ID = Pattern.compile("[A-Za-z0-9._:-]{1,64}");
    private static final SecureRandom RANDOM = new SecureRandom();

    private final BrokerMetrics metrics;
    private final OperationsMetrics operations;

    ResponseHeadersFilter(BrokerMetrics metrics, OperationsMetrics operations) {
        this.metrics = metrics;
        this.operations = operations;
    }

    /** Before security, so that refusals by the security filter carry the headers too. */
    @Override
    public int getOrder() {
        return ServerFilterPhase.FIRST.order();
    }

    @RequestFilter
    void assignId(HttpRequest<?> request) {
        request.setAttribute(STARTED, System.nanoTime());
        // Taken now: an error answered by an error route (BrokerErrorRoute) leaves that route on the request.
        request.setAttribute(ROUTE, route(request));
        String given = request.getHeaders().get(REQUEST_ID);
        request.setAttribute(ATTRIBUTE, given != null && SAFE_ID.matcher(given).matches() ? given : newId());
    }

    @ResponseFilter
    void addHeaders(HttpRequest<?> request, MutableHttpResponse<?> response) {
        String id = request.getAttribute(ATTRIBUTE, String.class).orElseGet(ResponseHeadersFilter::newId);
        // Set, not added: an error the framework answered already has it (FrameworkErrorProcessor).
        response.getHeaders().set(REQUEST_ID, id);
        if (!response.getHeaders().contains(HttpHeaders.CACHE_CONTROL)) {
            response.header(HttpHeaders.CACHE_CONTROL, "no-store");
        }
        Object started = request.getAttribute(STARTED).orElse(null);
        if (started instanceof Long nanos) {
            String errorCode = response.code() >= 400 && response.getBody().orElse(null) instanceof ErrorBody body
                    ? body.error().code() : null;
            metrics.answered(request.getAttribute(ROUTE, String.class).orElse(UNMATCHED), request.getMethodName(),
                    response.code(), errorCode,
                    System.nanoTime() - nanos);
        }
        if (READINESS.equals(request.getPath())) {
            operations.ready(response.code() < 300);
        }
    }

    /** The matched route's template; else the relay's, for its paths; else {@link #UNMATCHED}. Never a raw path. */
    private static String route(HttpRequest<?> request) {
        RouteInfo<?> info = RouteAttributes.getRouteInfo(request).orElse(null);
        if (info instanceof UriRouteInfo<?, ?> uri) {
            return uri.getUriMatchTemplate().toString();
        }
        String path = request.getPath();
        return path.equals("/v1/proxy") || path.startsWith("/v1/proxy/") ? RELAY_ROUTE : UNMATCHED;
    }

    static String newId() {
        byte[] bytes = new byte[12];
        RANDOM.nextBytes(bytes);
        return "req_" + HexFormat.of().formatHex(bytes);
    }

    @Nullable
    static String of(HttpRequest<?> request) {
        return request.getAttribute(ATTRIBUTE, String.class).orElse(null);
    }
}

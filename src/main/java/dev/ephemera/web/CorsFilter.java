package dev.ephemera.web;

import dev.ephemera.error.ErrorCode;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.core.order.Ordered;
import io.micronaut.http.HttpHeaders;
import io.micronaut.http.HttpMethod;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.MutableHttpResponse;
import io.micronaut.http.annotation.RequestFilter;
import io.micronaut.http.annotation.ResponseFilter;
import io.micronaut.http.annotation.ServerFilter;
import io.micronaut.http.filter.ServerFilterPhase;
import java.util.regex.Pattern;

/**
 * CORS for browsers (SPEC §7): only origins in {@link AllowedOrigins} get {@code Access-Control-Allow-Origin},
 * echoing their exact origin, never {@code *} and never an unlisted one; every answer says {@code Vary: Origin}.
 * Preflights are answered here, before authentication, and refused for unlisted origins. Filter methods, not a
 * reactive filter: this runs on every request.
 */
@ServerFilter(ServerFilter.MATCH_ALL_PATTERN)
final class CorsFilter implements Ordered {

    private static final String ALLOW_HEADERS = "authorization, content-type, x-api-key, x-client-request-id, "
            + "x-request-id, openai-beta, openai-organization, openai-project, anthropic-version, anthropic-beta, "
            + "x-stainless-arch, x-stainless-lang, x-stainless-os, x-stainless-package-version, "
            + "x-stainless-runtime, x-stainless-runtime-version, x-stainless-retry-count, x-stainless-timeout";
    private static final Pattern HEADER_LIST = Pattern.compile("[A-Za-z0-9, -]{0,1000}");
    private static final String EXPOSE = "X-Request-Id, Retry-After, RateLimit, RateLimit-Policy, "
            + "X-Upstream-Request-Id, Location";

    private static final String ORIGIN_ATTRIBUTE = "ephemera.cors.origin";

    private final AllowedOrigins allowed;

    CorsFilter(AllowedOrigins allowed) {
        this.allowed = allowed;
    }

    @Override
    public int getOrder() {
        return ServerFilterPhase.FIRST.order() + 1;
    }

    /** Answers a preflight at once; anything else goes on. */
    @RequestFilter
    @Nullable
    MutableHttpResponse<?> answerPreflight(HttpRequest<?> request) {
        String origin = request.getHeaders().get(HttpHeaders.ORIGIN);
        if (origin != null) {
            // Kept as it arrived: a relay strips Origin from the request it forwards, and the answer still needs it.
            request.setAttribute(ORIGIN_ATTRIBUTE, origin);
        }
        return isPreflight(request) ? preflight(request, origin) : null;
    }

    @ResponseFilter
    void addHeaders(HttpRequest<?> request, MutableHttpResponse<?> response) {
        if (isPreflight(request)) {
            return;
        }
        if (!variesByOrigin(response)) {
            response.getHeaders().add(HttpHeaders.VARY, HttpHeaders.ORIGIN);
        }
        String origin = request.getAttribute(ORIGIN_ATTRIBUTE, String.class).orElse(null);
        if (origin != null && allowed.allows(origin)) {
            response.header(HttpHeaders.ACCESS_CONTROL_ALLOW_ORIGIN, origin);
            response.header(HttpHeaders.ACCESS_CONTROL_EXPOSE_HEADERS, EXPOSE);
        }
    }

    /** Whether a {@code Vary} header (a relayed provider's, say) already lists {@code Origin}. */
    private static boolean variesByOrigin(MutableHttpResponse<?> response) {
        for (String vary : response.getHeaders().getAll(HttpHeaders.VARY)) {
            for (String field : vary.split(",")) {
                if (field.trim().equalsIgnoreCase(HttpHeaders.ORIGIN)) {
                    return true;
                }
            }
        }
        return false;
    }

    private static boolean isPreflight(HttpRequest<?> request) {
        return request.getMethod() == HttpMethod.OPTIONS
                && request.getHeaders().contains(HttpHeaders.ACCESS_CONTROL_REQUEST_METHOD);
    }

    private MutableHttpResponse<?> preflight(HttpRequest<?> request, String origin) {
        if (origin == null || !allowed.allows(origin)) {
            MutableHttpResponse<?> refused = ErrorResponses.of(ErrorCode.ORIGIN_NOT_ALLOWED,
                    "This origin may not call the broker from a browser.", null);
            refused.getHeaders().add(HttpHeaders.VARY, HttpHeaders.ORIGIN);
            return refused;
        }
        String requested = request.getHeaders().get(HttpHeaders.ACCESS_CONTROL_REQUEST_HEADERS);
        MutableHttpResponse<?> ok = HttpResponse.status(HttpStatus.NO_CONTENT)
                .header(HttpHeaders.ACCESS_CONTROL_ALLOW_ORIGIN, origin)
                .header(HttpHeaders.ACCESS_CONTROL_ALLOW_METHODS, "GET, POST, PUT, PATCH, DELETE")
                .header(HttpHeaders.ACCESS_CONTROL_ALLOW_HEADERS, requested != null
                        && HEADER_LIST.matcher(requested).matches() ? ALLOW_HEADERS + ", " + requested
                        : ALLOW_HEADERS)
                .header(HttpHeaders.ACCESS_CONTROL_MAX_AGE, "600");
        ok.getHeaders().add(HttpHeaders.VARY, HttpHeaders.ORIGIN);
        return ok;
    }
}

package dev.ephemera.web;

import io.micronaut.http.HttpHeaders;
import io.micronaut.http.HttpMethod;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.MutableHttpResponse;
import io.micronaut.http.annotation.Filter;
import io.micronaut.http.filter.HttpServerFilter;
import io.micronaut.http.filter.ServerFilterChain;
import io.micronaut.http.filter.ServerFilterPhase;
import java.util.regex.Pattern;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * CORS for browsers (SPEC §7): only origins in {@link AllowedOrigins} get {@code Access-Control-Allow-Origin},
 * echoing their exact origin, never {@code *} and never an unlisted one; every answer says {@code Vary: Origin}.
 * Preflights are answered here, before authentication, and refused for unlisted origins.
 */
@Filter("/**")
final class CorsFilter implements HttpServerFilter {

    private static final String ALLOW_HEADERS = "authorization, content-type, x-api-key, x-client-request-id, "
            + "x-request-id, openai-beta, openai-organization, openai-project, anthropic-version, anthropic-beta, "
            + "x-stainless-arch, x-stainless-lang, x-stainless-os, x-stainless-package-version, "
            + "x-stainless-runtime, x-stainless-runtime-version, x-stainless-retry-count, x-stainless-timeout";
    private static final Pattern HEADER_LIST = Pattern.compile("[A-Za-z0-9, -]{0,1000}");
    private static final String EXPOSE = "X-Request-Id, Retry-After, RateLimit, RateLimit-Policy, "
            + "X-Upstream-Request-Id, Location";

    private final AllowedOrigins allowed;

    CorsFilter(AllowedOrigins allowed) {
        this.allowed = allowed;
    }

    @Override
    public int getOrder() {
        return ServerFilterPhase.FIRST.order() + 1;
    }

    @Override
    public Publisher<MutableHttpResponse<?>> doFilter(HttpRequest<?> request, ServerFilterChain chain) {
        String origin = request.getHeaders().get(HttpHeaders.ORIGIN);
        boolean preflight = request.getMethod() == HttpMethod.OPTIONS
                && request.getHeaders().contains(HttpHeaders.ACCESS_CONTROL_REQUEST_METHOD);
        if (preflight) {
            return Mono.just(preflight(request, origin));
        }
        return Flux.from(chain.proceed(request)).map(response -> {
            response.getHeaders().add(HttpHeaders.VARY, HttpHeaders.ORIGIN);
            if (origin != null && allowed.allows(origin)) {
                response.header(HttpHeaders.ACCESS_CONTROL_ALLOW_ORIGIN, origin);
                response.header(HttpHeaders.ACCESS_CONTROL_EXPOSE_HEADERS, EXPOSE);
            }
            return response;
        });
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

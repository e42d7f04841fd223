package dev.ephemera.web;

import dev.ephemera.error.BrokerException;
import dev.ephemera.error.BusyException;
import dev.ephemera.error.ErrorCode;
import dev.ephemera.error.RateLimitedException;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpHeaders;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.MutableHttpResponse;

/** Builds error responses, so that every path that fails a request writes the same envelope and headers. */
public final class ErrorResponses {

    /** RFC 6750 §3: every 401 names the realm and the error class. */
    public static final String WWW_AUTHENTICATE = "Bearer realm=\"ephemera\", error=\"invalid_token\"";

    private ErrorResponses() {
    }

    public static MutableHttpResponse<ErrorBody> of(BrokerException e) {
        MutableHttpResponse<ErrorBody> response = of(e.errorCode(), e.getMessage(), e.param());
        if (e instanceof RateLimitedException limited) {
            long retry = limited.retryAfterSeconds();
            response.header(HttpHeaders.RETRY_AFTER, Long.toString(retry));
            // draft-ietf-httpapi-ratelimit-headers
            response.header("RateLimit-Policy", limited.limit() + ";w=" + limited.window().toSeconds());
            response.header("RateLimit", "limit=" + limited.limit() + ", remaining=0, reset=" + retry);
        } else if (e instanceof BusyException busy) {
            response.header(HttpHeaders.RETRY_AFTER, Long.toString(busy.retryAfterSeconds()));
        }
        return response;
    }

    public static MutableHttpResponse<ErrorBody> of(ErrorCode code, String message, @Nullable String param) {
        return decorate(HttpResponse.status(ErrorStatus.of(code)), code).body(ErrorBody.of(code, message, param));
    }

    /** Adds the headers an error of this code carries to a response the framework already built. */
    public static <T> MutableHttpResponse<T> decorate(MutableHttpResponse<T> response, ErrorCode code) {
        response.status(ErrorStatus.of(code));
        if (ErrorStatus.of(code) == HttpStatus.UNAUTHORIZED) {
            response.header(HttpHeaders.WWW_AUTHENTICATE, WWW_AUTHENTICATE);
        }
        return response;
    }
}

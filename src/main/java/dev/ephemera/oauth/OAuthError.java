package dev.ephemera.oauth;

import dev.ephemera.error.BrokerException;
import dev.ephemera.error.BusyException;
import dev.ephemera.error.ErrorCode;
import dev.ephemera.error.RateLimitedException;
import dev.ephemera.web.ErrorStatus;
import io.micronaut.http.HttpHeaders;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.MutableHttpResponse;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * An error of the token endpoint, answered as RFC 6749 §5.2 says ({@code {"error", "error_description"}}), unlike
 * every other endpoint's SPEC §6 shape: OAuth client libraries read this one. {@code invalid_client} is 401, with
 * {@code WWW-Authenticate: Basic} when the client sent an {@code Authorization} header.
 */
final class OAuthError extends RuntimeException {

    /** The refusals of a client's credentials. */
    private static final Set<ErrorCode> CLIENT = Set.of(ErrorCode.MISSING_API_KEY, ErrorCode.MALFORMED_AUTHORIZATION,
            ErrorCode.INVALID_API_KEY, ErrorCode.EXPIRED_API_KEY, ErrorCode.REVOKED_API_KEY,
            ErrorCode.UNSUPPORTED_AUTH_METHOD);

    private final String error;
    private final HttpStatus status;
    private final long retryAfter;

    private OAuthError(String error, String description, HttpStatus status, long retryAfter) {
        super(description, null, false, false);
        this.error = error;
        this.status = status;
        this.retryAfter = retryAfter;
    }

    static OAuthError of(String error, String description) {
        return new OAuthError(error, description, error.equals("invalid_client") ? HttpStatus.UNAUTHORIZED
                : HttpStatus.BAD_REQUEST, -1);
    }

    /** A refusal of the client's own credentials: {@code invalid_client}, or {@code unauthorized_client}. */
    static OAuthError ofClient(Throwable failure) {
        if (unwrap(failure) instanceof BrokerException e) {
            if (CLIENT.contains(e.errorCode())) {
                return of("invalid_client", e.getMessage());
            }
            if (e.errorCode() == ErrorCode.INSUFFICIENT_PERMISSIONS) {
                return of("unauthorized_client", "This client (API key) lacks the write permission that minting "
                        + "needs.");
            }
        }
        return ofMinting(failure);
    }

    /** A refusal while minting: the caller's request ({@code invalid_request}), or the broker's state. */
    static OAuthError ofMinting(Throwable failure) {
        Throwable cause = unwrap(failure);
        if (cause instanceof OAuthError e) {
            return e;
        }
        if (!(cause instanceof BrokerException e)) {
            return new OAuthError("server_error", "The broker could not answer.", HttpStatus.INTERNAL_SERVER_ERROR,
                    -1);
        }
        HttpStatus status = ErrorStatus.of(e.errorCode());
        long retry = e instanceof RateLimitedException limited ? limited.retryAfterSeconds()
                : e instanceof BusyException busy ? busy.retryAfterSeconds() : -1;
        if (status == HttpStatus.TOO_MANY_REQUESTS || status == HttpStatus.SERVICE_UNAVAILABLE) {
            return new OAuthError("temporarily_unavailable", e.getMessage(), status, retry);
        }
        if (status.getCode() >= 500) {
            return new OAuthError("server_error", e.getMessage(), status, -1);
        }
        if (status == HttpStatus.FORBIDDEN) {
            return of("unauthorized_client", e.getMessage());
        }
        return of("invalid_request", e.getMessage());
    }

    private static Throwable unwrap(Throwable failure) {
        Throwable t = failure;
        while ((t instanceof java.util.concurrent.CompletionException
                || t instanceof java.util.concurrent.ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    MutableHttpResponse<Map<String, Object>> response(boolean sentAuthorization) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("error", error);
        body.put("error_description", getMessage());
        MutableHttpResponse<Map<String, Object>> response = HttpResponse.<Map<String, Object>>status(status)
                .body(body)
                .header(HttpHeaders.CACHE_CONTROL, "no-store")
                .header(HttpHeaders.PRAGMA, "no-cache");
        if (status == HttpStatus.UNAUTHORIZED && sentAuthorization) {
            response.header(HttpHeaders.WWW_AUTHENTICATE, "Basic realm=\"ephemera\"");
        }
        if (retryAfter >= 0) {
            response.header(HttpHeaders.RETRY_AFTER, Long.toString(retryAfter));
        }
        return response;
    }
}

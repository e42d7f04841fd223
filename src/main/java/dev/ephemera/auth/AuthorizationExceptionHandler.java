package dev.ephemera.auth;

import dev.ephemera.error.BrokerException;
import dev.ephemera.error.ErrorCode;
import dev.ephemera.web.ErrorBody;
import dev.ephemera.web.ErrorResponses;
import io.micronaut.context.annotation.Replaces;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.MutableHttpResponse;
import io.micronaut.http.annotation.Produces;
import io.micronaut.http.server.exceptions.ExceptionHandler;
import io.micronaut.security.authentication.AuthorizationException;
import io.micronaut.security.authentication.DefaultAuthorizationExceptionHandler;
import jakarta.inject.Singleton;

/**
 * Answers a request Micronaut Security refused: with the reason the credential failed (kept on the request by
 * {@code apikey.ApiKeyAuthenticationFetcher}), {@code missing_api_key} when there was none, or
 * {@code insufficient_permissions} when the caller lacks the endpoint's permission.
 */
@Produces
@Singleton
@Replaces(DefaultAuthorizationExceptionHandler.class)
final class AuthorizationExceptionHandler
        implements ExceptionHandler<AuthorizationException, MutableHttpResponse<ErrorBody>> {

    @Override
    public MutableHttpResponse<ErrorBody> handle(HttpRequest request, AuthorizationException exception) {
        if (exception.isForbidden()) {
            return ErrorResponses.of(ErrorCode.INSUFFICIENT_PERMISSIONS,
                    "This API key lacks the permission this endpoint needs.", null);
        }
        return request.getAttribute(Caller.AUTHENTICATION_FAILURE, BrokerException.class)
                .map(ErrorResponses::of)
                .orElseGet(() -> ErrorResponses.of(ErrorCode.MISSING_API_KEY,
                        "Send an API key as 'Authorization: Bearer <key>' or 'x-api-key: <key>'.", null));
    }
}

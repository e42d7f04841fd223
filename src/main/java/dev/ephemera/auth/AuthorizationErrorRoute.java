package dev.ephemera.auth;

import dev.ephemera.web.ErrorBody;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.MutableHttpResponse;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Error;
import io.micronaut.security.annotation.Secured;
import io.micronaut.security.authentication.AuthorizationException;
import io.micronaut.security.rules.SecurityRule;

/**
 * Answers refused requests through a global error route, found in the router before Micronaut's uncached scan of
 * every bean for an exception handler (see {@code web.BrokerErrorRoute}): a flood of bad keys costs no more than
 * it must. The answer is {@link AuthorizationExceptionHandler}'s.
 */
@Controller
@Secured(SecurityRule.IS_ANONYMOUS)
final class AuthorizationErrorRoute {

    private final AuthorizationExceptionHandler handler;

    AuthorizationErrorRoute(AuthorizationExceptionHandler handler) {
        this.handler = handler;
    }

    @Error(global = true, exception = AuthorizationException.class)
    MutableHttpResponse<ErrorBody> answer(HttpRequest<?> request, AuthorizationException exception) {
        return handler.handle(request, exception);
    }
}

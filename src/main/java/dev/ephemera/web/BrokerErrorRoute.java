package dev.ephemera.web;

import dev.ephemera.error.BrokerException;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Error;
import io.micronaut.security.annotation.Secured;
import io.micronaut.security.rules.SecurityRule;

/**
 * Answers every {@link BrokerException} through a global error route, which Micronaut finds in its router before
 * it looks for an exception handler bean: that lookup is not cached and scans every bean definition on each error,
 * about 40% of the CPU of a refused redemption (a JFR profile of {@code bench/compare.sh}'s redeem row).
 * {@link BrokerExceptionHandler} stays for the paths that do not go through routes.
 */
@Controller
@Secured(SecurityRule.IS_ANONYMOUS)
final class BrokerErrorRoute {

    private final BrokerExceptionHandler handler;

    BrokerErrorRoute(BrokerExceptionHandler handler) {
        this.handler = handler;
    }

    @Error(global = true, exception = BrokerException.class)
    HttpResponse<ErrorBody> answer(HttpRequest<?> request, BrokerException exception) {
        return handler.handle(request, exception);
    }
}

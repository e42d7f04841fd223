package dev.ephemera.web;

import dev.ephemera.error.BrokerException;
import io.micronaut.context.annotation.Requires;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.annotation.Produces;
import io.micronaut.http.server.exceptions.ExceptionHandler;
import jakarta.inject.Singleton;

/** Turns every {@link BrokerException} into the SPEC §6 envelope. */
@Produces
@Singleton
@Requires(classes = {BrokerException.class, ExceptionHandler.class})
final class BrokerExceptionHandler implements ExceptionHandler<BrokerException, HttpResponse<ErrorBody>> {

    @Override
    public HttpResponse<ErrorBody> handle(HttpRequest request, BrokerException exception) {
        return ErrorResponses.of(exception);
    }
}

package dev.ephemera.web;

import dev.ephemera.error.ErrorCode;
import dev.ephemera.logging.RepeatedLog;
import io.micronaut.http.BasicHttpAttributes;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Error;
import io.micronaut.security.annotation.Secured;
import io.micronaut.security.rules.SecurityRule;
import io.netty.handler.codec.compression.DecompressionException;
import org.slf4j.LoggerFactory;

/**
 * A request body that does not decompress as its {@code Content-Encoding} says is the caller's mistake:
 * {@code 400 invalid_request} (SPEC §6), answered through a global error route like {@link BrokerErrorRoute}.
 * Without it Micronaut answered 500 and logged the failure twice at ERROR with its stack trace, about 75 lines for
 * 14 bytes that anyone may send to {@code /oauth2/token}; here it is one WARN line in
 * {@link RepeatedLog#INTERVAL} at most, naming the route, never the path. Micronaut decompresses in Netty and lets
 * Netty's exception through as it is, so this is the one class outside the relays that names a Netty type
 * (ArchitectureTest). The route answers for the HTTP relay's filter too, which reads its bodies before any route.
 */
@Controller
@Secured(SecurityRule.IS_ANONYMOUS)
final class UndecodableBodyRoute {

    private static final RepeatedLog REPEATED = new RepeatedLog(LoggerFactory.getLogger(UndecodableBodyRoute.class));

    @Error(global = true, exception = DecompressionException.class)
    HttpResponse<ErrorBody> answer(HttpRequest<?> request, DecompressionException exception) {
        // The route's template, never the path: a path can hold a token.
        REPEATED.warn("A request body on {} did not decompress as its Content-Encoding says: answered 400",
                BasicHttpAttributes.getUriTemplate(request).orElse("(no route)"));
        return ErrorResponses.of(ErrorCode.INVALID_REQUEST, "The request body could not be decompressed as its "
                + "Content-Encoding says; send it uncompressed, or compressed whole.", null);
    }
}

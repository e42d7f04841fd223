package dev.ephemera.web;

import dev.ephemera.error.ErrorCode;
import io.micronaut.context.annotation.Replaces;
import io.micronaut.core.convert.exceptions.ConversionErrorException;
import io.micronaut.http.BasicHttpAttributes;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.MutableHttpResponse;
import io.micronaut.http.server.exceptions.response.ErrorContext;
import io.micronaut.http.server.exceptions.response.ErrorResponseProcessor;
import jakarta.inject.Singleton;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Errors the framework raises itself (no route, wrong method, body too large, unparsable body, an unexpected
 * exception) leave in the same envelope as the broker's own. Framework messages are replaced by ours: they can
 * quote the request, and the request can hold a secret.
 */
@Singleton
@Replaces(ErrorResponseProcessor.class)
final class FrameworkErrorProcessor implements ErrorResponseProcessor<ErrorBody> {

    private static final Logger LOG = LoggerFactory.getLogger(FrameworkErrorProcessor.class);

    @Override
    public MutableHttpResponse<ErrorBody> processResponse(ErrorContext context, MutableHttpResponse<?> response) {
        ErrorCode code = codeFor(response.getStatus(), context);
        String param = null;
        String message = switch (code) {
            // Never the path or method sent: a path can hold a token (SPEC §7).
            case NOT_FOUND -> "No such endpoint. See openapi.yml for the API.";
            case METHOD_NOT_ALLOWED -> "This method is not allowed on this endpoint.";
            case UNSUPPORTED_MEDIA_TYPE -> "Unsupported Content-Type; send application/json.";
            case PAYLOAD_TOO_LARGE -> "The request body is too large.";
            case INVALID_JSON -> "The request body is not valid JSON.";
            case INVALID_REQUEST -> "The request could not be read: check its parameters and their types.";
            default -> "The broker failed to handle this request; retry later, and report it with the X-Request-Id.";
        };
        if (code == ErrorCode.INTERNAL_ERROR) {
            // The route, never the path: a path can hold a token.
            context.getRootCause().ifPresent(e -> LOG.error("Unhandled error on {} {}",
                    context.getRequest().getMethodName(),
                    BasicHttpAttributes.getUriTemplate(context.getRequest()).orElse("(no route)"), e));
        }
        ErrorResponses.decorate(response, code);
        // A request refused before any filter ran (headers over the size limit) gets its id and no-store here.
        if (!response.getHeaders().contains(ResponseHeadersFilter.REQUEST_ID)) {
            String id = ResponseHeadersFilter.of(context.getRequest());
            response.header(ResponseHeadersFilter.REQUEST_ID, id != null ? id : ResponseHeadersFilter.newId());
            response.header(io.micronaut.http.HttpHeaders.CACHE_CONTROL, "no-store");
        }
        return response.body(ErrorBody.of(code, message, param));
    }

    private static ErrorCode codeFor(HttpStatus status, ErrorContext context) {
        return switch (status) {
            case NOT_FOUND -> ErrorCode.NOT_FOUND;
            case METHOD_NOT_ALLOWED -> ErrorCode.METHOD_NOT_ALLOWED;
            case UNSUPPORTED_MEDIA_TYPE -> ErrorCode.UNSUPPORTED_MEDIA_TYPE;
            case REQUEST_ENTITY_TOO_LARGE -> ErrorCode.PAYLOAD_TOO_LARGE;
            case BAD_REQUEST -> context.getRootCause().filter(e -> !(e instanceof ConversionErrorException))
                    .map(e -> e.getClass().getName().contains("Json") || e.getClass().getName().contains("Serde")
                            ? ErrorCode.INVALID_JSON : ErrorCode.INVALID_REQUEST)
                    .orElse(ErrorCode.INVALID_REQUEST);
            default -> ErrorCode.INTERNAL_ERROR;
        };
    }
}

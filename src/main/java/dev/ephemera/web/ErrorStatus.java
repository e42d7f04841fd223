package dev.ephemera.web;

import dev.ephemera.error.ErrorCode;
import io.micronaut.http.HttpStatus;

/** The HTTP status of each error (SPEC §6): the one place where an outcome of the broker becomes HTTP. */
public final class ErrorStatus {

    private ErrorStatus() {
    }

    public static HttpStatus of(ErrorCode code) {
        return switch (code) {
            case INVALID_JSON, INVALID_REQUEST, UNKNOWN_PROVIDER, UNSUPPORTED_AUTH_METHOD -> HttpStatus.BAD_REQUEST;
            case MISSING_API_KEY, MALFORMED_AUTHORIZATION, INVALID_API_KEY, EXPIRED_API_KEY, REVOKED_API_KEY,
                    INVALID_TOKEN, EXPIRED_TOKEN, TOKEN_ALREADY_USED -> HttpStatus.UNAUTHORIZED;
            case INSUFFICIENT_PERMISSIONS, ORIGIN_NOT_ALLOWED, PROVIDER_NOT_ALLOWED, LOCKED_FIELD,
                    ENDPOINT_NOT_ALLOWED, MODEL_NOT_ALLOWED, USAGE_NOT_MEASURABLE,
                    TRANSPORT_NOT_CONTROLLABLE -> HttpStatus.FORBIDDEN;
            case NOT_FOUND -> HttpStatus.NOT_FOUND;
            case METHOD_NOT_ALLOWED -> HttpStatus.METHOD_NOT_ALLOWED;
            case UNSUPPORTED_MEDIA_TYPE -> HttpStatus.UNSUPPORTED_MEDIA_TYPE;
            case PAYLOAD_TOO_LARGE -> HttpStatus.REQUEST_ENTITY_TOO_LARGE;
            case RATE_LIMIT_EXCEEDED, QUOTA_EXCEEDED -> HttpStatus.TOO_MANY_REQUESTS;
            case INTERNAL_ERROR -> HttpStatus.INTERNAL_SERVER_ERROR;
            case UPSTREAM_ERROR, PROVIDER_NOT_CONFIGURED -> HttpStatus.BAD_GATEWAY;
            case STORE_UNAVAILABLE, RELAY_AT_CAPACITY, DRAINING -> HttpStatus.SERVICE_UNAVAILABLE;
        };
    }
}

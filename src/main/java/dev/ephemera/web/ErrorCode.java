package dev.ephemera.web;

import io.micronaut.http.HttpStatus;

/**
 * Every error the broker reports, with its HTTP status, its OpenAI-style {@code type} and its wire {@code code}
 * (SPEC §6). The one place where an outcome is mapped to HTTP.
 */
public enum ErrorCode {
    INVALID_JSON(HttpStatus.BAD_REQUEST, "invalid_request_error", "invalid_json"),
    INVALID_REQUEST(HttpStatus.BAD_REQUEST, "invalid_request_error", "invalid_request"),
    UNKNOWN_PROVIDER(HttpStatus.BAD_REQUEST, "invalid_request_error", "unknown_provider"),
    UNSUPPORTED_AUTH_METHOD(HttpStatus.BAD_REQUEST, "invalid_request_error", "unsupported_auth_method"),

    MISSING_API_KEY(HttpStatus.UNAUTHORIZED, "authentication_error", "missing_api_key"),
    MALFORMED_AUTHORIZATION(HttpStatus.UNAUTHORIZED, "authentication_error", "malformed_authorization"),
    INVALID_API_KEY(HttpStatus.UNAUTHORIZED, "authentication_error", "invalid_api_key"),
    EXPIRED_API_KEY(HttpStatus.UNAUTHORIZED, "authentication_error", "expired_api_key"),
    REVOKED_API_KEY(HttpStatus.UNAUTHORIZED, "authentication_error", "revoked_api_key"),
    INVALID_TOKEN(HttpStatus.UNAUTHORIZED, "authentication_error", "invalid_token"),
    EXPIRED_TOKEN(HttpStatus.UNAUTHORIZED, "authentication_error", "expired_token"),
    TOKEN_ALREADY_USED(HttpStatus.UNAUTHORIZED, "authentication_error", "token_already_used"),

    INSUFFICIENT_PERMISSIONS(HttpStatus.FORBIDDEN, "permission_error", "insufficient_permissions"),
    ORIGIN_NOT_ALLOWED(HttpStatus.FORBIDDEN, "permission_error", "origin_not_allowed"),
    PROVIDER_NOT_ALLOWED(HttpStatus.FORBIDDEN, "permission_error", "provider_not_allowed"),
    LOCKED_FIELD(HttpStatus.FORBIDDEN, "permission_error", "locked_field"),
    ENDPOINT_NOT_ALLOWED(HttpStatus.FORBIDDEN, "permission_error", "endpoint_not_allowed"),
    MODEL_NOT_ALLOWED(HttpStatus.FORBIDDEN, "permission_error", "model_not_allowed"),

    NOT_FOUND(HttpStatus.NOT_FOUND, "not_found_error", "not_found"),
    METHOD_NOT_ALLOWED(HttpStatus.METHOD_NOT_ALLOWED, "invalid_request_error", "invalid_request"),
    UNSUPPORTED_MEDIA_TYPE(HttpStatus.UNSUPPORTED_MEDIA_TYPE, "invalid_request_error", "invalid_request"),
    PAYLOAD_TOO_LARGE(HttpStatus.REQUEST_ENTITY_TOO_LARGE, "invalid_request_error", "payload_too_large"),
    RATE_LIMIT_EXCEEDED(HttpStatus.TOO_MANY_REQUESTS, "rate_limit_error", "rate_limit_exceeded"),

    INTERNAL_ERROR(HttpStatus.INTERNAL_SERVER_ERROR, "api_error", "internal_error"),
    UPSTREAM_ERROR(HttpStatus.BAD_GATEWAY, "upstream_error", "upstream_error"),
    PROVIDER_NOT_CONFIGURED(HttpStatus.BAD_GATEWAY, "upstream_error", "provider_not_configured"),
    STORE_UNAVAILABLE(HttpStatus.SERVICE_UNAVAILABLE, "service_unavailable_error", "store_unavailable"),
    RELAY_AT_CAPACITY(HttpStatus.SERVICE_UNAVAILABLE, "service_unavailable_error", "relay_at_capacity"),
    DRAINING(HttpStatus.SERVICE_UNAVAILABLE, "service_unavailable_error", "draining");

    private final HttpStatus status;
    private final String type;
    private final String code;

    ErrorCode(HttpStatus status, String type, String code) {
        this.status = status;
        this.type = type;
        this.code = code;
    }

    public HttpStatus status() {
        return status;
    }

    public String type() {
        return type;
    }

    public String code() {
        return code;
    }
}

package dev.ephemera.error;

/**
 * Every error the broker reports, with its OpenAI-style {@code type} and its wire {@code code} (SPEC §6). Nothing
 * here knows HTTP: the one place an error becomes a status is {@code web.ErrorStatus}.
 */
public enum ErrorCode {
    INVALID_JSON("invalid_request_error", "invalid_json"),
    INVALID_REQUEST("invalid_request_error", "invalid_request"),
    UNKNOWN_PROVIDER("invalid_request_error", "unknown_provider"),
    UNSUPPORTED_AUTH_METHOD("invalid_request_error", "unsupported_auth_method"),

    MISSING_API_KEY("authentication_error", "missing_api_key"),
    MALFORMED_AUTHORIZATION("authentication_error", "malformed_authorization"),
    INVALID_API_KEY("authentication_error", "invalid_api_key"),
    EXPIRED_API_KEY("authentication_error", "expired_api_key"),
    REVOKED_API_KEY("authentication_error", "revoked_api_key"),
    INVALID_TOKEN("authentication_error", "invalid_token"),
    EXPIRED_TOKEN("authentication_error", "expired_token"),
    TOKEN_ALREADY_USED("authentication_error", "token_already_used"),

    INSUFFICIENT_PERMISSIONS("permission_error", "insufficient_permissions"),
    ORIGIN_NOT_ALLOWED("permission_error", "origin_not_allowed"),
    PROVIDER_NOT_ALLOWED("permission_error", "provider_not_allowed"),
    LOCKED_FIELD("permission_error", "locked_field"),
    ENDPOINT_NOT_ALLOWED("permission_error", "endpoint_not_allowed"),
    MODEL_NOT_ALLOWED("permission_error", "model_not_allowed"),
    USAGE_NOT_MEASURABLE("permission_error", "usage_not_measurable"),
    TRANSPORT_NOT_CONTROLLABLE("permission_error", "transport_not_controllable"),

    NOT_FOUND("not_found_error", "not_found"),
    METHOD_NOT_ALLOWED("invalid_request_error", "invalid_request"),
    UNSUPPORTED_MEDIA_TYPE("invalid_request_error", "invalid_request"),
    PAYLOAD_TOO_LARGE("invalid_request_error", "payload_too_large"),
    RATE_LIMIT_EXCEEDED("rate_limit_error", "rate_limit_exceeded"),
    QUOTA_EXCEEDED("rate_limit_error", "quota_exceeded"),

    INTERNAL_ERROR("api_error", "internal_error"),
    UPSTREAM_ERROR("upstream_error", "upstream_error"),
    PROVIDER_NOT_CONFIGURED("upstream_error", "provider_not_configured"),
    STORE_UNAVAILABLE("service_unavailable_error", "store_unavailable"),
    RELAY_AT_CAPACITY("service_unavailable_error", "relay_at_capacity"),
    DRAINING("service_unavailable_error", "draining");

    private final String type;
    private final String code;

    ErrorCode(String type, String code) {
        this.type = type;
        this.code = code;
    }

    public String type() {
        return type;
    }

    public String code() {
        return code;
    }
}

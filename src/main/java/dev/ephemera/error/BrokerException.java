package dev.ephemera.error;

import io.micronaut.core.annotation.Nullable;

/**
 * An expected outcome that ends a request: a bad field, an expired token, an unreachable store. Carries its
 * {@link ErrorCode}, a message that tells the caller what to do (and never contains a secret), and the request
 * parameter at fault where there is one. No stack trace: these are answers, not bugs.
 */
public class BrokerException extends RuntimeException {

    private final ErrorCode errorCode;
    private final String param;

    public BrokerException(ErrorCode errorCode, String message) {
        this(errorCode, message, null);
    }

    public BrokerException(ErrorCode errorCode, String message, @Nullable String param) {
        super(message, null, false, false);
        this.errorCode = errorCode;
        this.param = param;
    }

    public ErrorCode errorCode() {
        return errorCode;
    }

    @Nullable
    public String param() {
        return param;
    }

    public static BrokerException invalid(String param, String message) {
        return new BrokerException(ErrorCode.INVALID_REQUEST, message, param);
    }

    /**
     * Checks a whole-number field against bounds known only at run time (configuration, a profile): the rule a
     * record's constraints cannot hold. Absent passes.
     */
    public static void requireWithin(@Nullable Long value, String param, long min, long max) {
        if (value != null && (value < min || value > max)) {
            throw invalid(param, "'" + param + "' must be between " + min + " and " + max + ".");
        }
    }
}

package dev.ephemera.web;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.ephemera.error.ErrorCode;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.serde.annotation.Serdeable;

/** The error envelope of SPEC §6: {@code {"error": {"message", "type", "code", "param"?}}}. */
@Serdeable
public record ErrorBody(Detail error) {

    /** The body of one error. */
    @Serdeable
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Detail(String message, String type, String code, @Nullable String param) {
    }

    public static ErrorBody of(ErrorCode code, String message, @Nullable String param) {
        return new ErrorBody(new Detail(message, code.type(), code.code(), param));
    }
}

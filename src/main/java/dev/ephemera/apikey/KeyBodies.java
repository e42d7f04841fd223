package dev.ephemera.apikey;

import io.micronaut.core.annotation.Nullable;
import io.micronaut.serde.annotation.Serdeable;
import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotEmpty;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;
import java.math.BigDecimal;
import java.util.List;

/** The bodies of the admin key API (SPEC §6), their fixed rules as constraints. */
final class KeyBodies {

    /** Five years (of 366 days), in seconds: the longest a key may be created for. */
    static final long MAX_EXPIRES_IN = 5L * 366 * 86_400;
    /** A week, in seconds: the longest a rotated key's old secret may keep working. */
    static final long MAX_GRACE = 7L * 86_400;

    private KeyBodies() {
    }

    @Serdeable.Deserializable
    record Create(
            @NotEmpty(message = "'name' is required.")
            @Pattern(regexp = "[^\\x00-\\x1F\\x7F-\\x9F]{1,100}",
                    message = "'name' must be 1-100 printable characters.")
            @Nullable String name,
            @NotEmpty(message = "'permissions' is required: a list of read, write, admin, webhook.")
            @Size(max = 4, message = "'permissions' may hold at most 4 items.")
            @Nullable List<String> permissions,
            @Min(value = 60, message = "'expires_in' must be between 60 and " + MAX_EXPIRES_IN + ".")
            @Max(value = MAX_EXPIRES_IN, message = "'expires_in' must be between 60 and " + MAX_EXPIRES_IN + ".")
            @Nullable Long expiresIn,
            @Size(max = 50, message = "'allowed_origins' may hold at most 50 items.")
            @Nullable List<String> allowedOrigins,
            @Size(max = 50, message = "'allowed_providers' may hold at most 50 items.")
            @Nullable List<String> allowedProviders,
            @Min(value = 1, message = "'rate_limit_per_minute' must be between 1 and 1000000.")
            @Max(value = 1_000_000, message = "'rate_limit_per_minute' must be between 1 and 1000000.")
            @Nullable Long rateLimitPerMinute,
            @Valid @Nullable Budget budget) {
    }

    /**
     * {@code budget} (SPEC §11): what the key's tokens may use per UTC day (and month), all together. The amounts of
     * money are decimal strings or JSON numbers, read exactly and judged by {@code UsageLimits.micros}.
     */
    @Serdeable.Deserializable
    record Budget(
            @Min(value = 1, message = "'budget.tokens_per_day' must be a whole number from 1 to 1000000000000.")
            @Max(value = 1_000_000_000_000L,
                    message = "'budget.tokens_per_day' must be a whole number from 1 to 1000000000000.")
            @Nullable Long tokensPerDay,
            @Nullable BigDecimal usdPerDay,
            @Nullable BigDecimal usdPerMonth) {
    }

    @Serdeable.Deserializable
    record Rotate(
            @Min(value = 0, message = "'grace_seconds' must be between 0 and " + MAX_GRACE + ".")
            @Max(value = MAX_GRACE, message = "'grace_seconds' must be between 0 and " + MAX_GRACE + ".")
            @Nullable Long graceSeconds) {
    }
}

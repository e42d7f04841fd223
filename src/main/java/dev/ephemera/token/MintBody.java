package dev.ephemera.token;

import io.micronaut.core.annotation.Nullable;
import io.micronaut.json.tree.JsonNode;
import io.micronaut.serde.annotation.Serdeable;
import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotEmpty;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;
import java.math.BigDecimal;
import java.util.List;

/**
 * The body of {@code POST /v1/tokens} as sent (SPEC §4), its fixed rules as constraints. The rules that depend on
 * configuration or on more than one field are {@link MintRequest#of}'s.
 */
@Serdeable.Deserializable
record MintBody(
        @NotEmpty(message = "'provider' is required.")
        @Pattern(regexp = MintRequest.PROVIDER_NAME, message = MintRequest.PROVIDER_MESSAGE) @Nullable String provider,
        @Pattern(regexp = MintRequest.MODEL_NAME, message = MintRequest.MODEL_MESSAGE) @Nullable String model,
        @Nullable Long ttlSeconds,
        @Pattern(regexp = "opaque|jwt", message = "'format' must be 'opaque' or 'jwt'.")
        @Nullable String format,
        @Min(value = 1, message = MintRequest.MAX_USES_MESSAGE)
        @Max(value = TokenConfiguration.MAX_USES, message = MintRequest.MAX_USES_MESSAGE)
        @Nullable Long maxUses,
        @Pattern(regexp = "[^\\x00-\\x1F\\x7F-\\x9F]{1,256}", message = "'subject' must be 1-256 printable characters.")
        @Nullable String subject,
        @Nullable String origin,
        @Pattern(regexp = "relay|upstream", message = "'mode' must be 'relay' or 'upstream'.")
        @Nullable String mode,
        @Nullable JsonNode session,
        @Size(max = 32, message = "'locked_fields' may hold at most 32 items.")
        @Nullable List<@Pattern(regexp = "[A-Za-z0-9_.]{1,64}",
                message = "Each of 'locked_fields' must be a session field name.") String> lockedFields,
        @Size(max = 32, message = "'endpoints' may hold at most 32 items.")
        @Nullable List<String> endpoints,
        @Valid @Nullable Limits limits) {

    /**
     * {@code limits} (SPEC §11): what the token's sessions and requests may use, all together. {@code max_cost_usd}
     * is a decimal string or a JSON number, read exactly (never through a {@code double}) and judged by
     * {@link UsageLimits#micros} when made into limits.
     */
    @Serdeable.Deserializable
    record Limits(
            @Min(value = 1, message = "'limits.max_total_tokens' must be a whole number from 1 to 1000000000.")
            @Max(value = 1_000_000_000, message = "'limits.max_total_tokens' must be a whole number from 1 to "
                    + "1000000000.")
            @Nullable Long maxTotalTokens,
            @Min(value = 1, message = "'limits.max_session_seconds' must be a whole number from 1 to 86400.")
            @Max(value = 86_400, message = "'limits.max_session_seconds' must be a whole number from 1 to 86400.")
            @Nullable Long maxSessionSeconds,
            @Min(value = 1, message = "'limits.max_responses' must be a whole number from 1 to 1000000.")
            @Max(value = 1_000_000, message = "'limits.max_responses' must be a whole number from 1 to 1000000.")
            @Nullable Long maxResponses,
            @Nullable BigDecimal maxCostUsd) {

        /** These limits; an amount of money out of bounds is an {@code invalid_request} naming it. */
        UsageLimits toLimits() {
            return new UsageLimits(maxTotalTokens, maxSessionSeconds, maxResponses)
                    .withMaxCost(UsageLimits.micros(maxCostUsd, "limits.max_cost_usd"));
        }
    }
}

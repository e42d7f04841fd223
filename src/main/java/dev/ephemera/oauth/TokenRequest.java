package dev.ephemera.oauth;

import dev.ephemera.token.MintRequest;
import dev.ephemera.token.TokenConfiguration;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.serde.annotation.Serdeable;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.Pattern;

/**
 * The form of {@code POST /oauth2/token}: RFC 6749's and RFC 8693's parameters, and what the token is for (this
 * broker's extensions, as in {@code POST /v1/tokens} and {@code /realtime-token}). Any other parameter is refused.
 *
 * @param profile  mint from this profile, for the page in the request's {@code Origin} (a user always does)
 * @param provider otherwise, the provider the token is for
 */
@Serdeable.Deserializable
record TokenRequest(
        @Nullable String grantType,
        @Nullable String clientId,
        @Nullable String clientSecret,
        @Nullable String scope,
        @Nullable String subjectToken,
        @Nullable String subjectTokenType,
        @Nullable String requestedTokenType,
        @Nullable String actorToken,
        @Nullable String actorTokenType,
        @Pattern(regexp = "[A-Za-z0-9_-]{1,64}", message = "'profile' must be a profile name.")
        @Nullable String profile,
        @Pattern(regexp = MintRequest.PROVIDER_NAME, message = MintRequest.PROVIDER_MESSAGE) @Nullable String provider,
        @Pattern(regexp = MintRequest.MODEL_NAME, message = MintRequest.MODEL_MESSAGE) @Nullable String model,
        @Nullable Long ttlSeconds,
        @Min(value = 1, message = MintRequest.MAX_USES_MESSAGE)
        @Max(value = TokenConfiguration.MAX_USES, message = MintRequest.MAX_USES_MESSAGE)
        @Nullable Long maxUses) {
}

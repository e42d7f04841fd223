package dev.ephemera.token;

import io.micronaut.core.annotation.Nullable;
import io.micronaut.serde.annotation.Serdeable;
import jakarta.validation.constraints.NotEmpty;

/**
 * The bodies of RFC 7662 introspection and RFC 7009 revocation, as JSON or as a form; {@code client_id} and {@code
 * client_secret} are the caller's credentials when it authenticates in the body ({@code client_secret_post}).
 */
final class TokenBodies {

    private TokenBodies() {
    }

    /** {@code token_type_hint} is accepted and, as RFC 7662 allows, not needed: a token's shape says its kind. */
    @Serdeable.Deserializable
    record Introspect(
            @NotEmpty(message = "'token' is required.") @Nullable String token,
            @Nullable String tokenTypeHint,
            @Nullable Boolean consume,
            @Nullable String clientId,
            @Nullable String clientSecret) {

        boolean consuming() {
            return Boolean.TRUE.equals(consume);
        }
    }

    @Serdeable.Deserializable
    record Revoke(
            @NotEmpty(message = "'token' is required.") @Nullable String token,
            @Nullable String tokenTypeHint,
            @Nullable String clientId,
            @Nullable String clientSecret) {
    }
}

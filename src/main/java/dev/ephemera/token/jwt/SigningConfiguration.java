package dev.ephemera.token.jwt;

import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.core.bind.annotation.Bindable;

/**
 * The key that signs JWT tokens ({@code ephemera.tokens.signing.*}).
 *
 * @param algorithm ES256, EdDSA (Ed25519) or RS256
 * @param keyFile   a PEM or private JWK file (a mounted Kubernetes Secret); re-read at start-up
 * @param key       the same, inline (env {@code EPHEMERA_TOKENS_SIGNING_KEY}); used when no file is given
 * @param previousKeyFile the key before the last rotation, still published in the JWKS so tokens it signed verify
 */
@ConfigurationProperties("ephemera.tokens.signing")
record SigningConfiguration(
        @Bindable(defaultValue = "ES256") String algorithm,
        @Nullable String keyFile,
        @Nullable String key,
        @Nullable String previousKeyFile) {
}

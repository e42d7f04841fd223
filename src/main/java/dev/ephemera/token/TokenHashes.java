package dev.ephemera.token;

import dev.ephemera.secret.Secrets;
import dev.ephemera.token.jwt.JwtTokens;
import dev.ephemera.web.BrokerUrls;
import io.micronaut.core.annotation.Nullable;
import jakarta.inject.Singleton;
import java.util.Optional;

/** The store key of a token: the SHA-256 of a well-formed token of ours, whose JWT signature holds if it is one. */
@Singleton
final class TokenHashes {

    private final JwtTokens jwts;
    private final BrokerUrls urls;

    TokenHashes(JwtTokens jwts, BrokerUrls urls) {
        this.jwts = jwts;
        this.urls = urls;
    }

    /** The store key of a well-formed token of ours, or empty: garbage and forgeries cost no lookup. */
    Optional<String> of(@Nullable String token) {
        if (token == null) {
            return Optional.empty();
        }
        if (token.startsWith(TokenMinter.OPAQUE.prefix())) {
            return TokenMinter.OPAQUE.body(token) == null ? Optional.empty() : Optional.of(Secrets.sha256Hex(token));
        }
        if (token.length() <= 8192 && JwtTokens.looksLikeJwt(token)) {
            return jwts.verify(token, urls.issuer()).map(v -> Secrets.sha256Hex(token));
        }
        return Optional.empty();
    }
}

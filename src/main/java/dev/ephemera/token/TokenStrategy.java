package dev.ephemera.token;

import dev.ephemera.secret.PrefixedSecret;
import dev.ephemera.secret.Secrets;
import dev.ephemera.token.jwt.JwtTokens;
import dev.ephemera.url.BrokerUrls;
import io.micronaut.core.annotation.Nullable;
import jakarta.inject.Singleton;

/**
 * The one place that knows what a token of ours looks like (after fosite's token strategy): it makes a token's value
 * with the store key it is kept under (the value's SHA-256; the store never sees a value), and it reads a presented
 * value once into a {@link PresentedToken}: well formed, and for a JWT its signature, issuer and lifetime verified,
 * or nothing, so that garbage and forgeries cost no lookup.
 */
@Singleton
public final class TokenStrategy {

    /** {@code eph_} + 43 base62 characters (256 bits) + 6 characters of checksum. */
    public static final PrefixedSecret OPAQUE = new PrefixedSecret("eph_", Secrets.SECRET_CHARS);
    /** No JWT of ours is this long; a longer one is not verified (the signature check is the costly part). */
    private static final int MAX_JWT_CHARS = 8192;

    /** A token's value, which only its holder sees, and the key it is stored under. */
    public record Made(String value, String hash) {
        @Override
        public String toString() {
            return "Made[hash=" + hash + "]";
        }
    }

    private final JwtTokens jwts;
    private final BrokerUrls urls;

    TokenStrategy(JwtTokens jwts, BrokerUrls urls) {
        this.jwts = jwts;
        this.urls = urls;
    }

    /** A new opaque token. */
    Made opaque() {
        return stored(OPAQUE.generate(""));
    }

    /** A new JWT-format token of {@code claims}, signed with the broker's current key. */
    Made jwt(JwtTokens.Claims claims) {
        return stored(jwts.sign(claims));
    }

    /** A value made elsewhere (a provider's own ephemeral key), kept under its hash like ours. */
    static Made stored(String value) {
        return new Made(value, Secrets.sha256Hex(value));
    }

    /** {@code presented} read once: well formed and, for a JWT, verified; {@link PresentedToken#NONE} otherwise. */
    public PresentedToken read(@Nullable String presented) {
        if (presented == null) {
            return PresentedToken.NONE;
        }
        if (presented.startsWith(OPAQUE.prefix())) {
            return OPAQUE.body(presented) == null ? PresentedToken.NONE
                    : new PresentedToken(Secrets.sha256Hex(presented));
        }
        if (presented.length() <= MAX_JWT_CHARS && JwtTokens.looksLikeJwt(presented)
                && jwts.verify(presented, urls.issuer()).isPresent()) {
            return new PresentedToken(Secrets.sha256Hex(presented));
        }
        return PresentedToken.NONE;
    }
}

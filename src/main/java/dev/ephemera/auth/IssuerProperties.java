package dev.ephemera.auth;

import io.micronaut.context.annotation.EachProperty;
import io.micronaut.context.annotation.Parameter;
import io.micronaut.core.annotation.Nullable;
import java.util.List;

/**
 * One trusted JWT issuer ({@code ephemera.auth.issuers.<name>.*}).
 *
 * @param issuer     the exact {@code iss} its tokens carry
 * @param jwksUri    where its public keys are published; or give {@code publicKeys}
 * @param publicKeys its public keys as PEM or JWK JSON, instead of a JWKS URL
 * @param audience   the {@code aud} its tokens must carry for this broker
 * @param algorithms the signature algorithms accepted (default ES256, RS256, EdDSA); never none or HS*
 * @param role       {@code users} (browsers: only {@code /realtime-token}) or {@code services} (permissions from
 *                   the {@code scope} or {@code scp} claim)
 * @param typ        the JOSE header {@code typ} its tokens must carry (default {@code JWT} for users,
 *                   {@code at+jwt} for services), so one kind of token cannot pass for another
 */
@EachProperty("ephemera.auth.issuers")
public record IssuerProperties(
        @Parameter String name,
        @Nullable String issuer,
        @Nullable String jwksUri,
        @Nullable List<String> publicKeys,
        @Nullable String audience,
        @Nullable List<String> algorithms,
        @Nullable String role,
        @Nullable String typ) {
}

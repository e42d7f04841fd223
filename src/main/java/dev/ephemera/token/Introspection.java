package dev.ephemera.token;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.json.tree.JsonNode;
import io.micronaut.serde.annotation.Serdeable;
import io.micronaut.serde.config.naming.SnakeCaseStrategy;
import java.util.List;

/**
 * An RFC 7662 introspection response. An inactive token is answered {@code {"active": false}} and nothing else,
 * so that introspection does not tell why.
 */
@Serdeable(naming = SnakeCaseStrategy.class)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Introspection(
        boolean active,
        @Nullable String tokenType,
        @Nullable String clientId,
        @Nullable String sub,
        @Nullable String iss,
        @Nullable Long exp,
        @Nullable Long iat,
        @Nullable String jti,
        @Nullable String scope,
        @Nullable String id,
        @Nullable String provider,
        @Nullable String model,
        @Nullable String origin,
        @Nullable String format,
        @Nullable String mode,
        @Nullable Integer maxUses,
        @Nullable Integer usesLeft,
        @Nullable JsonNode session,
        @Nullable List<String> lockedFields,
        @Nullable Integer maxSessionSeconds) {

    public static final Introspection INACTIVE = new Introspection(false, null, null, null, null, null, null, null,
            null, null, null, null, null, null, null, null, null, null, null, null);

    /** The answer for a live token, issued by {@code issuer}, whose session config reads as {@code session}. */
    static Introspection of(RedeemedToken t, String issuer, @Nullable JsonNode session) {
        return new Introspection(true, "Bearer", t.keyId(), t.subject() != null ? t.subject() : t.keyId(), issuer,
                t.expiresAt().getEpochSecond(), t.issuedAt().getEpochSecond(), t.id(), t.mode().wireName(), t.id(),
                t.provider(), t.model(), t.origin(), t.format().wireName(), t.mode().wireName(), t.maxUses(),
                t.usesLeft(), session, t.lockedFields(), t.maxSessionSeconds());
    }
}

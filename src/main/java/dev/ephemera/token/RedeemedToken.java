package dev.ephemera.token;

import io.micronaut.core.annotation.Nullable;
import java.time.Instant;
import java.util.List;

/**
 * A live token as a redeemer sees it, after a use was taken or when it was looked at: what it was minted for, by
 * which key, and what is left of it. The relays and introspection work with this; the RFC 7662 wire shape
 * ({@link Introspection}) is made of it only where introspection is answered.
 *
 * @param keyId the API key (or caller) that minted it
 * @param session the server-locked realtime session config, if any, read once
 * @param traceParent the W3C {@code traceparent} of the span that minted it (null: not traced), the parent of the
 *                    spans of what it opens
 */
public record RedeemedToken(
        String id,
        String keyId,
        @Nullable String subject,
        String provider,
        @Nullable String model,
        @Nullable String origin,
        TokenFormat format,
        TokenMode mode,
        int maxUses,
        int usesLeft,
        Instant issuedAt,
        Instant expiresAt,
        @Nullable SessionConfig session,
        List<String> lockedFields,
        @Nullable Integer maxSessionSeconds,
        UsageLimits limits,
        @Nullable String traceParent) {

    public RedeemedToken {
        lockedFields = List.copyOf(lockedFields);
    }
}

package dev.ephemera.token;

import io.micronaut.core.annotation.Nullable;
import java.time.Instant;
import java.util.List;

/**
 * What the store keeps of one token: its bindings and counters, never its secret. Stored under
 * {@code secretHash}, the SHA-256 of the token's value.
 *
 * @param id           the handle, {@code tok_…}: safe to log, revokes the token
 * @param secretHash   lower-case hex SHA-256 of the token's value
 * @param keyId        the API key (or other caller) that minted it
 * @param usesLeft     uses remaining; 0 means used up
 * @param sessionJson  the server-locked session config as JSON text, or null
 * @param maxSessionSeconds how long a realtime session opened with it may last, or null for the broker's limit
 * @param endpoints    the provider endpoints the HTTP relay may reach with it ({@code "POST /chat/completions"});
 *                     empty: all that the provider allows
 * @param limits       what its sessions and requests may use, all together
 * @param traceParent  the W3C {@code traceparent} of the span that minted it, for the spans of what it opens; null
 *                     when tracing is off
 */
public record TokenRecord(
        String id,
        String secretHash,
        TokenFormat format,
        TokenMode mode,
        String provider,
        @Nullable String model,
        @Nullable String subject,
        @Nullable String origin,
        int maxUses,
        int usesLeft,
        Instant issuedAt,
        Instant expiresAt,
        @Nullable String sessionJson,
        List<String> lockedFields,
        String keyId,
        @Nullable Integer maxSessionSeconds,
        List<String> endpoints,
        UsageLimits limits,
        @Nullable String traceParent) {

    public TokenRecord {
        lockedFields = List.copyOf(lockedFields);
        endpoints = List.copyOf(endpoints);
    }

    public boolean expiredAt(Instant now) {
        return !now.isBefore(expiresAt);
    }

    public TokenRecord withUsesLeft(int left) {
        return new TokenRecord(id, secretHash, format, mode, provider, model, subject, origin, maxUses, left,
                issuedAt, expiresAt, sessionJson, lockedFields, keyId, maxSessionSeconds, endpoints, limits,
                traceParent);
    }
}

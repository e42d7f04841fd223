package dev.ephemera.apikey;

import dev.ephemera.auth.KeyBudget;
import dev.ephemera.auth.Permission;
import io.micronaut.core.annotation.Nullable;
import java.time.Instant;
import java.util.List;
import java.util.Set;

/**
 * What the store keeps of one API key: never the key, only the SHA-256 of it.
 *
 * @param id                 {@code key_…}, embedded in the key itself so lookups go by id
 * @param secretHash         hex SHA-256 of the current key
 * @param previousSecretHash hex SHA-256 of the key before the last rotation, accepted until
 *                           {@code previousExpiresAt}
 * @param budget             what its tokens may use per UTC day and month ({@code budget}; null: none); once
 *                           spent, mints are refused with {@code quota_exceeded}
 */
public record ApiKeyRecord(
        String id,
        String name,
        Set<Permission> permissions,
        String secretHash,
        @Nullable String previousSecretHash,
        @Nullable Instant previousExpiresAt,
        Instant createdAt,
        @Nullable Instant expiresAt,
        @Nullable Instant lastUsedAt,
        @Nullable Instant revokedAt,
        List<String> allowedOrigins,
        List<String> allowedProviders,
        @Nullable Integer rateLimitPerMinute,
        KeyBudget budget) {

    public ApiKeyRecord {
        budget = budget == null ? KeyBudget.NONE : budget;
        permissions = Set.copyOf(permissions);
        allowedOrigins = List.copyOf(allowedOrigins);
        allowedProviders = List.copyOf(allowedProviders);
    }

    public ApiKeyRecord rotated(String newHash, Instant previousValidUntil) {
        return new ApiKeyRecord(id, name, permissions, newHash, secretHash, previousValidUntil, createdAt, expiresAt,
                lastUsedAt, revokedAt, allowedOrigins, allowedProviders, rateLimitPerMinute,
                budget);
    }

    public ApiKeyRecord revoked(Instant at) {
        return new ApiKeyRecord(id, name, permissions, secretHash, previousSecretHash, previousExpiresAt, createdAt,
                expiresAt, lastUsedAt, at, allowedOrigins, allowedProviders, rateLimitPerMinute,
                budget);
    }

    public ApiKeyRecord used(Instant at) {
        return new ApiKeyRecord(id, name, permissions, secretHash, previousSecretHash, previousExpiresAt, createdAt,
                expiresAt, at, revokedAt, allowedOrigins, allowedProviders, rateLimitPerMinute,
                budget);
    }
}

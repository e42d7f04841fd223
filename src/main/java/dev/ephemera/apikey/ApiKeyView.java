package dev.ephemera.apikey;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.ephemera.auth.KeyBudget;
import dev.ephemera.auth.Permission;
import dev.ephemera.pricing.Money;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.serde.annotation.Serdeable;
import io.micronaut.serde.config.naming.SnakeCaseStrategy;
import java.time.Instant;
import java.util.List;

/**
 * An API key as the admin API shows it. {@code key} is present only in the answer to a create or a rotate; no
 * other answer can carry a secret, because the record holds none.
 */
@Serdeable(naming = SnakeCaseStrategy.class)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ApiKeyView(
        String id,
        String object,
        String name,
        List<String> permissions,
        long createdAt,
        @Nullable Long expiresAt,
        @Nullable Long lastUsedAt,
        @Nullable Long revokedAt,
        List<String> allowedOrigins,
        List<String> allowedProviders,
        @Nullable Integer rateLimitPerMinute,
        @Nullable Budget budget,
        @Nullable String key,
        @Nullable Long previousKeyExpiresAt,
        @Nullable Integer revokedTokens) {

    static ApiKeyView of(ApiKeyRecord r) {
        return of(r, null, null);
    }

    static ApiKeyView of(ApiKeyRecord r, @Nullable String key, @Nullable Integer revokedTokens) {
        return new ApiKeyView(r.id(), "api_key", r.name(),
                r.permissions().stream().map(Permission::wireName).sorted().toList(),
                r.createdAt().getEpochSecond(), seconds(r.expiresAt()), seconds(r.lastUsedAt()),
                seconds(r.revokedAt()), r.allowedOrigins(), r.allowedProviders(), r.rateLimitPerMinute(),
                Budget.of(r.budget()), key,
                key != null && r.previousExpiresAt() != null ? seconds(r.previousExpiresAt()) : null,
                revokedTokens);
    }

    /** A key's {@code budget} as the API shows it: the amounts of money as decimal strings with six digits. */
    @Serdeable(naming = SnakeCaseStrategy.class)
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Budget(@Nullable Long tokensPerDay, @Nullable String usdPerDay, @Nullable String usdPerMonth) {

        @Nullable
        static Budget of(KeyBudget budget) {
            return budget.isNone() ? null : new Budget(budget.tokensPerDay(), usd(budget.microsPerDay()),
                    usd(budget.microsPerMonth()));
        }

        @Nullable
        private static String usd(@Nullable Long micros) {
            return micros == null ? null : Money.format(micros);
        }
    }

    private static Long seconds(@Nullable Instant at) {
        return at == null ? null : at.getEpochSecond();
    }
}

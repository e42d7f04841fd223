package dev.ephemera.session;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.serde.annotation.Serdeable;
import io.micronaut.serde.config.naming.SnakeCaseStrategy;
import java.util.List;

/**
 * A token's receipt ({@code GET /v1/tokens/{id}}, SPEC §11): what it was minted for, what became of it, the sessions
 * opened with it and what they used. Never its value. Times are epoch seconds.
 *
 * @param state  {@code active}, {@code used_up}, {@code expired} or {@code revoked}
 * @param uses   uses taken so far, where known
 */
@Serdeable(naming = SnakeCaseStrategy.class)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Receipt(String id, String state, String keyId, String provider, @Nullable String model,
        @Nullable String subject, @Nullable String origin, String format, long issuedAt, long expiresAt, int maxUses,
        @Nullable Integer uses, @Nullable Long revokedAt, List<SessionSummary> sessions, Usage usage) {

    public Receipt {
        sessions = List.copyOf(sessions);
    }

    /**
     * One session opened with the token.
     *
     * @param state       {@code live} or {@code closed}
     * @param closeReason why it ended, once it has
     */
    @Serdeable(naming = SnakeCaseStrategy.class)
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record SessionSummary(String id, String state, long openedAt, @Nullable Long closedAt,
            @Nullable String closeReason, Usage usage) {
    }
}

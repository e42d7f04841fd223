package dev.ephemera.session;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.serde.annotation.Serdeable;
import io.micronaut.serde.config.naming.SnakeCaseStrategy;

/**
 * A realtime session open on some replica, as SPEC §11 lists it: who opened it with which token, for which provider
 * and model, since when, and its usage so far.
 *
 * @param id       {@code ses_…}
 * @param openedAt when it opened, epoch seconds
 * @param usage    what the provider reported for it so far, and its seconds
 */
@Serdeable(naming = SnakeCaseStrategy.class)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record LiveSession(String id, String tokenId, String keyId, String provider, @Nullable String model,
        @Nullable String subject, @Nullable String origin, long openedAt, Usage usage) {

    public LiveSession withUsage(Usage now) {
        return new LiveSession(id, tokenId, keyId, provider, model, subject, origin, openedAt, now);
    }
}

package dev.ephemera.webhook;

import io.micronaut.core.annotation.Nullable;
import io.micronaut.serde.annotation.Serdeable;
import io.micronaut.serde.config.naming.SnakeCaseStrategy;
import java.util.List;

/**
 * A webhook subscription (SPEC §11): where events go, which ones, and the secret that signs them. A subscription of
 * an admin gets every key's events; any other gets the events about its own key's tokens, sessions and key.
 *
 * @param id              {@code wh_…}
 * @param owner           the caller that created it
 * @param admin           whether that caller was an admin
 * @param secret          {@code whsec_…}, the Standard Webhooks signing secret; shown once, never logged
 * @param previousSecret  the secret before the last rotation, still signing beside it until {@code previousUntil}
 * @param createdAt       epoch seconds
 */
@Serdeable(naming = SnakeCaseStrategy.class)
public record Subscription(String id, String owner, boolean admin, String url, List<String> events,
        @Nullable String description, long createdAt, String secret, @Nullable String previousSecret,
        @Nullable Long previousUntil) {

    public Subscription {
        events = List.copyOf(events);
    }

    /** Whether {@code type}, about {@code keyId}'s tokens or key, goes to this subscription. */
    boolean wants(String type, @Nullable String keyId) {
        return events.contains(type) && (admin || owner.equals(keyId));
    }

    Subscription rotated(String newSecret, long previousValidUntil) {
        return new Subscription(id, owner, admin, url, events, description, createdAt, newSecret, secret,
                previousValidUntil);
    }
}

package dev.ephemera.webhook;

import io.micronaut.core.annotation.Nullable;
import io.micronaut.serde.annotation.Serdeable;
import io.micronaut.serde.config.naming.SnakeCaseStrategy;

/**
 * One event on its way to one subscription: its payload and Standard Webhooks message id (the event's, the same on
 * every attempt), how many attempts it took, and how it stands ({@code pending}, {@code delivered}, {@code failed}).
 *
 * @param id         {@code <eventId>.<subscriptionId>}: one delivery per event and subscription, however often the
 *                   event is handed out
 * @param lastResult the last attempt's HTTP status, or why it could not be made ({@code timeout},
 *                   {@code private_target}, …)
 */
@Serdeable(naming = SnakeCaseStrategy.class)
public record Delivery(String id, String subscriptionId, String eventId, String type, String payload, int attempts,
        long firstAttemptAt, @Nullable Long lastAttemptAt, String status, @Nullable String lastResult) {

    static String idOf(String eventId, String subscriptionId) {
        return eventId + "." + subscriptionId;
    }

    Delivery attempted(long at, String status, String result) {
        return new Delivery(id, subscriptionId, eventId, type, payload, attempts + 1,
                firstAttemptAt == 0 ? at : firstAttemptAt, at, status, result);
    }
}

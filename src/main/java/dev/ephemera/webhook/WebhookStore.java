package dev.ephemera.webhook;

import io.micronaut.core.annotation.Nullable;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionStage;

/**
 * Webhook subscriptions, and the durable queue their events wait in until some replica has delivered them (SPEC
 * §11): events are appended to a log that replicas read as a group, each event handed to one replica and kept
 * until that replica says it has scheduled its deliveries (a replica that dies holding some loses nothing: they are
 * handed out again); deliveries wait, each under its own id, until due, and a replica that takes one holds it for a
 * lease, after which it is due again. Every stage fails with {@code store_unavailable} when the store cannot be
 * reached; none blocks.
 */
public interface WebhookStore {

    /**
     * An event as the log holds it: {@code id} is its Standard Webhooks message id ({@code msg_…}); {@code handle}
     * is how the log acknowledges it (null until taken).
     */
    record Queued(String id, String type, @Nullable String keyId, String payload, @Nullable String handle) {
    }

    CompletionStage<Void> save(Subscription subscription);

    CompletionStage<List<Subscription>> subscriptions();

    CompletionStage<Optional<Subscription>> find(String id);

    CompletionStage<Boolean> delete(String id);

    /** Appends an event to the log. */
    CompletionStage<Void> append(Queued event);

    /**
     * Hands {@code consumer} up to {@code max} events: new ones, and any another consumer took more than
     * {@code abandonedAfter} ago without acknowledging.
     */
    CompletionStage<List<Queued>> take(String consumer, int max, Duration abandonedAfter);

    /** The event's deliveries are scheduled: it leaves the log. */
    CompletionStage<Void> acknowledge(Queued event);

    /** Schedules a delivery at {@code at}, unless one with its id exists already. */
    CompletionStage<Void> schedule(Delivery delivery, Instant at);

    /** Takes up to {@code max} deliveries due at {@code now}, each held for {@code lease}. */
    CompletionStage<List<Delivery>> due(Instant now, Duration lease, int max);

    /** Records an attempt: {@code next} is when to try again, or null when the delivery is done (or failed). */
    CompletionStage<Void> attempted(Delivery delivery, @Nullable Instant next);

    /** The latest deliveries to a subscription, newest first. */
    CompletionStage<List<Delivery>> deliveries(String subscriptionId, int max);
}

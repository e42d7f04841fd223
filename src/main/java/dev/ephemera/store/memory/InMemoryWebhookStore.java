package dev.ephemera.store.memory;

import dev.ephemera.webhook.Delivery;
import dev.ephemera.webhook.Subscription;
import dev.ephemera.webhook.WebhookStore;
import io.micronaut.core.annotation.Nullable;
import jakarta.inject.Singleton;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SequencedMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Webhook subscriptions and their queue for a single broker, in memory (lost on restart, like everything of the
 * in-memory store); the same rules as the Redis store: an event taken and not acknowledged is handed out again
 * after {@code abandonedAfter}, a delivery taken is held for its lease. At most 10,000 events wait.
 */
@Singleton
final class InMemoryWebhookStore implements WebhookStore {

    private static final int MAX_WAITING = 10_000;

    private record Taken(Queued event, Instant at) {
    }

    private final Clock clock;
    private final Map<String, Subscription> subscriptions = new ConcurrentHashMap<>();
    private final Deque<Queued> log = new ArrayDeque<>();
    private final Map<String, Taken> pending = new LinkedHashMap<>();
    /** Deliveries in the order they were scheduled (an update keeps a delivery's place). */
    private final SequencedMap<String, Delivery> deliveries = new LinkedHashMap<>();
    private final Map<String, Instant> due = new LinkedHashMap<>();

    InMemoryWebhookStore(Clock clock) {
        this.clock = clock;
    }

    @Override
    public CompletionStage<Void> save(Subscription subscription) {
        subscriptions.put(subscription.id(), subscription);
        return done(null);
    }

    @Override
    public CompletionStage<List<Subscription>> subscriptions() {
        return done(List.copyOf(subscriptions.values()));
    }

    @Override
    public CompletionStage<Optional<Subscription>> find(String id) {
        return done(Optional.ofNullable(subscriptions.get(id)));
    }

    @Override
    public CompletionStage<Boolean> delete(String id) {
        return done(subscriptions.remove(id) != null);
    }

    @Override
    public synchronized CompletionStage<Void> append(Queued event) {
        if (log.size() >= MAX_WAITING) {
            log.pollFirst();
        }
        log.addLast(event);
        return done(null);
    }

    @Override
    public synchronized CompletionStage<List<Queued>> take(String consumer, int max, Duration abandonedAfter) {
        Instant now = clock.instant();
        List<Queued> out = new ArrayList<>();
        for (Map.Entry<String, Taken> e : pending.entrySet()) {
            if (out.size() < max && e.getValue().at().plus(abandonedAfter).isBefore(now)) {
                out.add(e.getValue().event());
            }
        }
        out.forEach(q -> pending.put(q.id(), new Taken(q, now)));
        while (out.size() < max && !log.isEmpty()) {
            Queued appended = log.pollFirst();
            // Taken: its id is its handle here (the log acknowledges by id).
            Queued next = new Queued(appended.id(), appended.type(), appended.keyId(), appended.payload(),
                    appended.id());
            pending.put(next.id(), new Taken(next, now));
            out.add(next);
        }
        return done(out);
    }

    @Override
    public synchronized CompletionStage<Void> acknowledge(Queued event) {
        pending.remove(event.id());
        return done(null);
    }

    @Override
    public synchronized CompletionStage<Void> schedule(Delivery delivery, Instant at) {
        if (deliveries.putIfAbsent(delivery.id(), delivery) == null) {
            due.put(delivery.id(), at);
        }
        return done(null);
    }

    @Override
    public synchronized CompletionStage<List<Delivery>> due(Instant now, Duration lease, int max) {
        List<Delivery> out = new ArrayList<>();
        for (Map.Entry<String, Instant> e : due.entrySet()) {
            if (out.size() < max && !e.getValue().isAfter(now)) {
                out.add(deliveries.get(e.getKey()));
            }
        }
        out.forEach(d -> due.put(d.id(), now.plus(lease)));
        return done(out);
    }

    @Override
    public synchronized CompletionStage<Void> attempted(Delivery delivery, @Nullable Instant next) {
        deliveries.put(delivery.id(), delivery);
        if (next == null) {
            due.remove(delivery.id());
            if (deliveries.size() > MAX_WAITING * 2) {
                // Bounded: finished deliveries go first, oldest first.
                deliveries.values().stream().filter(d -> !due.containsKey(d.id()))
                        .sorted((a, b) -> Long.compare(last(a), last(b))).limit(MAX_WAITING).map(Delivery::id)
                        .toList().forEach(deliveries::remove);
            }
        } else {
            due.put(delivery.id(), next);
        }
        return done(null);
    }

    @Override
    public synchronized CompletionStage<List<Delivery>> deliveries(String subscriptionId, int max) {
        // Newest first: the latest scheduled first, as Redis lists them.
        return done(deliveries.sequencedValues().reversed().stream()
                .filter(d -> d.subscriptionId().equals(subscriptionId)).limit(max).toList());
    }

    private static long last(Delivery d) {
        return d.lastAttemptAt() == null ? Long.MAX_VALUE : d.lastAttemptAt();
    }

    private static <T> CompletionStage<T> done(T value) {
        return CompletableFuture.completedFuture(value);
    }
}

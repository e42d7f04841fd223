package dev.ephemera.webhook;

import dev.ephemera.audit.AuditListener;
import dev.ephemera.audit.BrokerEvent;
import dev.ephemera.logging.RepeatedLog;
import dev.ephemera.secret.Secrets;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.json.JsonMapper;
import jakarta.inject.Singleton;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.LoggerFactory;

/**
 * The events of SPEC §11, made of the broker events they mirror ({@link BrokerEvent}: a type's name is its
 * webhook type) and appended to the store's log when some
 * subscription wants them: {@code {type, timestamp, data}}, where {@code data} holds ids, the provider, and for a
 * closed session why and its usage; never a secret, a subject or an address. Called on the recording thread: when
 * no subscription wants an event, nothing more happens; else one append, not waited for.
 *
 * <p>Which events are wanted is read from the store when an event is recorded and the last read is half as old as
 * {@link #TRUSTED_FOR} (an idle replica reads nothing); a read is trusted for {@link #TRUSTED_FOR} from the moment it
 * was sent. An event recorded with no read trusted waits (at most {@link #WAITING} of them) for the read it starts,
 * sent after it was recorded, which decides it; past that bound, or when the read fails, it is appended. An event
 * appended wakes this replica's worker ({@link WebhookWorker#soon}). A subscription is
 * answered {@code 201} only {@link #TRUSTED_FOR} after it was saved ({@link #known}): by then every replica has
 * either read it or stopped trusting its older read, so no replica drops an event that it wants.
 */
@Singleton
final class WebhookEvents implements AuditListener {

    /** Every event a subscription may name. */
    static final Set<String> TYPES = Set.of("token.minted", "token.redeemed", "token.revoked", "session.opened",
            "session.closed", "session.limit_reached", "key.created", "key.rotated", "key.revoked");
    /** The audit fields an event's data may carry. */
    private static final List<String> DATA = List.of("token_id", "session_id", "key_id", "provider", "model", "by",
            "reason", "usage");
    private static final RepeatedLog REPEATED = new RepeatedLog(LoggerFactory.getLogger(WebhookEvents.class));

    private final WebhookStore store;
    private final JsonMapper json;
    private final Clock clock;
    /**
     * How long a read of the subscriptions decides which events are dropped; twice the age at which an event asks
     * for a new read, so that under a steady flow of events a read late (a slow store) costs nothing.
     */
    static final Duration TRUSTED_FOR = Duration.ofSeconds(1);

    /** The types some subscription wants, as read by the read sent at {@code sentAt} ({@link System#nanoTime}). */
    private record Wanted(Set<String> types, long sentAt) {
    }

    /**
     * The latest read. Its age is taken from {@link System#nanoTime}, not the injected clock: it must follow real time,
     * which the subscription's wait also follows (tests hold the injected clock still).
     */
    private final AtomicReference<Wanted> wanted = new AtomicReference<>();

    /** The most events that wait for a read; more are appended undecided. */
    static final int WAITING = 10_000;

    private final AtomicBoolean reading = new AtomicBoolean();
    private final Queue<Runnable> waiting = new ConcurrentLinkedQueue<>();
    private final AtomicInteger waitingCount = new AtomicInteger();
    private final WebhookWorker worker;

    WebhookEvents(WebhookStore store, JsonMapper json, Clock clock, WebhookWorker worker) {
        this.worker = worker;
        this.store = store;
        this.json = json;
        this.clock = clock;
    }

    /** Reads which events are wanted; the read counts from when it was sent, not from when it arrived. */
    void read() {
        long sentAt = System.nanoTime();
        store.subscriptions().whenComplete((subscriptions, failed) -> {
            try {
                took(subscriptions, failed, sentAt);
            } finally {
                reading.set(false);
                // Every event waiting was recorded before the read was sent, or while it was trusted: it decides them.
                for (Runnable event = waiting.poll(); event != null; event = waiting.poll()) {
                    waitingCount.decrementAndGet();
                    event.run();
                }
            }
        });
    }

    private void took(List<Subscription> subscriptions, Throwable failed, long sentAt) {
        if (failed != null) {
            // The last read runs out, and every event is appended (and fails too) until the store answers.
            REPEATED.warn("Webhook subscriptions could not be read: {}", failed.getClass().getSimpleName());
            return;
        }
        Set<String> types = new HashSet<>();
        subscriptions.forEach(s -> types.addAll(s.events()));
        Wanted read = new Wanted(Set.copyOf(types), sentAt);
        wanted.accumulateAndGet(read, (last, next) -> last == null || next.sentAt() - last.sentAt() > 0 ? next
                : last);
    }

    /**
     * Completes once every replica knows of a subscription saved before this call: {@link #TRUSTED_FOR} later. The
     * {@code 201} waits for it (SPEC §11: the subscription gets every event recorded after it).
     */
    CompletionStage<Void> known() {
        return CompletableFuture.runAsync(() -> { },
                CompletableFuture.delayedExecutor(TRUSTED_FOR.toMillis(), TimeUnit.MILLISECONDS));
    }

    /** The types wanted, by a read still trusted, or null; a read is sent when the last is half as old as trusted. */
    private @Nullable Set<String> trusted() {
        Wanted read = wanted.get();
        if ((read == null || System.nanoTime() - read.sentAt() > TRUSTED_FOR.toNanos() / 2)
                && reading.compareAndSet(false, true)) {
            read();
        }
        return read == null || System.nanoTime() - read.sentAt() > TRUSTED_FOR.toNanos() ? null : read.types();
    }

    @Override
    public boolean wants(BrokerEvent event) {
        Set<String> types = trusted();
        return types == null || types.contains(event.name())
                || event instanceof BrokerEvent.SessionClosed && types.contains("session.limit_reached");
    }

    @Override
    public void recorded(BrokerEvent event) {
        String at = clock.instant().toString();
        Set<String> types = trusted();
        if (types != null) {
            decide(event, types, at);
        } else if (waitingCount.incrementAndGet() <= WAITING) {
            waiting.add(() -> {
                Set<String> read = trusted();
                decide(event, read == null ? TYPES : read, at);
            });
            // A read under way decides it when it arrives; else one is sent now.
            if (reading.compareAndSet(false, true)) {
                read();
            }
        } else {
            waitingCount.decrementAndGet();
            decide(event, TYPES, at);
        }
    }

    private void decide(BrokerEvent event, Set<String> types, String at) {
        if (types.isEmpty()) {
            return;
        }
        Map<String, Object> fields = event.fields();
        if (event instanceof BrokerEvent.SessionClosed closed && "usage_limit_reached".equals(closed.reason())) {
            emit("session.limit_reached", fields, types, at);
        }
        emit(event.name(), fields, types, at);
    }

    private void emit(String type, Map<String, Object> fields, Set<String> types, String at) {
        if (!types.contains(type)) {
            return;
        }
        Map<String, Object> data = new LinkedHashMap<>();
        for (String name : DATA) {
            if (fields.containsKey(name)) {
                data.put(name, fields.get(name));
            }
        }
        Map<String, Object> payload = new LinkedHashMap<>();
        payload.put("type", type);
        payload.put("timestamp", at);
        payload.put("data", data);
        String text;
        try {
            text = json.writeValueAsString(payload);
        } catch (IOException e) {
            REPEATED.warn("A webhook event could not be written: {}", e.getClass().getSimpleName());
            return;
        }
        Object keyId = fields.get("key_id");
        store.append(new WebhookStore.Queued("msg_" + Secrets.randomBase62(24), type,
                keyId == null ? null : keyId.toString(), text, null)).whenComplete((done, failed) -> {
                    if (failed != null) {
                        REPEATED.warn("A webhook event ({}) could not be queued: {}", type,
                                failed.getClass().getSimpleName());
                    } else {
                        worker.soon();
                    }
                });
    }
}

package dev.ephemera.webhook;

import dev.ephemera.audit.AuditListener;
import dev.ephemera.logging.RepeatedLog;
import dev.ephemera.secret.Secrets;
import io.micronaut.json.JsonMapper;
import jakarta.inject.Singleton;
import java.io.IOException;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.LoggerFactory;

/**
 * The events of SPEC §11, made of the audit events they mirror and appended to the store's log when some
 * subscription wants them: {@code {type, timestamp, data}}, where {@code data} holds ids, the provider, and for a
 * closed session why and its usage; never a secret, a subject or an address. Called on the recording thread: when
 * no subscription wants an event, nothing more happens; else one append, not waited for.
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
     * The event types some subscription wants, as this replica's worker last read them (every 250 ms); every type
     * until it first has. A subscription made on another replica gets this replica's events from its next read on.
     */
    private final AtomicReference<Set<String>> wanted = new AtomicReference<>(TYPES);

    WebhookEvents(WebhookStore store, JsonMapper json, Clock clock) {
        this.store = store;
        this.json = json;
        this.clock = clock;
    }

    void subscriptionsAre(List<Subscription> subscriptions) {
        Set<String> types = new java.util.HashSet<>();
        subscriptions.forEach(s -> types.addAll(s.events()));
        wanted.set(Set.copyOf(types));
    }

    @Override
    public boolean wants(String event) {
        Set<String> types = wanted.get();
        return types.contains(event) || event.equals("session.closed") && types.contains("session.limit_reached");
    }

    @Override
    public void recorded(String event, String actor, Map<String, Object> fields) {
        Set<String> types = wanted.get();
        if (types.isEmpty()) {
            return;
        }
        if (event.equals("session.closed") && "usage_limit_reached".equals(fields.get("reason"))) {
            emit("session.limit_reached", fields, types);
        }
        emit(event, fields, types);
    }

    private void emit(String type, Map<String, Object> fields, Set<String> types) {
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
        payload.put("timestamp", clock.instant().toString());
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
                    }
                });
    }
}

package dev.ephemera.audit;

import java.util.Map;

/**
 * Told of every audit event as it is recorded (the webhooks of SPEC §11 are made of them): its name, who acted, and
 * its fields (ids and bindings, never a secret). Called on the thread that records, often an event loop: it must
 * not block.
 */
public interface AuditListener {

    /** Whether {@link #recorded} wants {@code event}; asked first, so that an unwanted one costs nothing more. */
    default boolean wants(String event) {
        return true;
    }

    void recorded(String event, String actor, Map<String, Object> fields);
}

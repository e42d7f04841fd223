package dev.ephemera.audit;

/**
 * Told of every broker event as it is recorded (the webhooks of SPEC §11 are made of them): its type says what
 * happened, its fields carry ids and bindings, never a secret. Called on the thread that records, often an event
 * loop: it must not block.
 */
public interface AuditListener {

    /** Whether {@link #recorded} wants {@code event}; asked first, so that an unwanted one costs nothing more. */
    default boolean wants(BrokerEvent event) {
        return true;
    }

    void recorded(BrokerEvent event);
}

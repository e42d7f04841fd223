package dev.ephemera.store;

import java.time.Duration;

/**
 * Concurrent realtime sessions per API key, shared by every replica. Each count expires after {@code ttl}, so a
 * replica that dies with sessions open cannot hold a key's slots forever. Throws
 * {@link StoreUnavailableException} when the store cannot be reached.
 */
public interface SessionCounter {

    /** Takes a slot for {@code keyId}; false (and nothing taken) when {@code max} are already open. */
    boolean open(String keyId, int max, Duration ttl);

    /** Gives a slot back. */
    void close(String keyId);
}

package dev.ephemera.relay;

import dev.ephemera.relay.event.OutputBudget;

/** How a live session ends, for the reasons its {@link SessionMeter} finds, whatever carries it. */
public interface SessionEnding {

    /** A limit was reached: the client is told with an error event, and the session ends (1008). */
    void limitReached(String message);

    /** A replica asked the session to end ({@code reason}: the token was revoked, …). */
    void requested(String reason);

    /** The session could not be put on the live list. */
    void unregistered();

    /** An event of the broker's own for the provider (the session's output limit, lowered). */
    void toProvider(byte[] event);

    /** The session's output limit is to be lowered to {@code left}: by default, with a {@code session.update}. */
    default void lowerLimit(long left) {
        toProvider(OutputBudget.sessionLimit(left));
    }
}

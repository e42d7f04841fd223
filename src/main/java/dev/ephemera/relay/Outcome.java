package dev.ephemera.relay;

import dev.ephemera.relay.event.ClientEventFilter;

/** What becomes of a client event ({@link SessionMeter#toProvider}): sent as these bytes, or refused and dropped. */
public sealed interface Outcome {

    record Send(byte[] frame) implements Outcome {
    }

    record Refused(ClientEventFilter.Refuse refusal) implements Outcome {
    }
}

package dev.ephemera.relay;

import dev.ephemera.relay.event.ClientEventFilter;

/** What becomes of a client event ({@link SessionMeter#toProvider}): sent as these bytes, refused, or dropped. */
public sealed interface Outcome {

    record Send(byte[] frame) implements Outcome {
    }

    record Refused(ClientEventFilter.Refuse refusal) implements Outcome {
    }

    /** Not sent on, and the session goes on: streamed media that could start a turn no budget is left for. */
    record Dropped() implements Outcome {
    }
}

package dev.ephemera.relay.realtime;

import dev.ephemera.relay.Outcome;
import dev.ephemera.relay.SessionMeter;
import dev.ephemera.relay.event.ClientEventFilter;
import dev.ephemera.relay.event.RealtimeProtocol;
import io.micronaut.core.annotation.Nullable;

/**
 * What a relayed session says, in its protocol, to either side: the broker's first message to the provider, what
 * becomes of each client message (judged under the token's locks, then capped and counted by the session's
 * meter), and how the client is told of a refusal or of a limit reached. OpenAI's realtime protocol
 * ({@link SessionEvents}) answers with error events and goes on; Google's Live API ({@link LiveEvents}) has none,
 * so a refusal ends the session with a close code and reason.
 */
interface Dialect {

    /** The protocol spoken. */
    RealtimeProtocol protocol();

    /** The broker's first message to the provider, under what is left of the budget ({@code budget}); or null. */
    @Nullable
    byte[] opening(@Nullable Long budget);

    /** A whole client message on its way: sent as the outcome's bytes, or refused. */
    Outcome toProvider(byte[] message, SessionMeter meter);

    /** The message that tells the client of {@code refused}, the session going on; null: the session ends. */
    @Nullable
    byte[] error(ClientEventFilter.Refuse refused);

    /** The message that tells the client a limit of its token's is reached, before the session ends; or null. */
    @Nullable
    byte[] limitReached(String message);

    /** The message that tells the client the broker will close the session in {@code timeLeft}; or null. */
    @Nullable
    default byte[] goingAway(java.time.Duration timeLeft) {
        return null;
    }
}

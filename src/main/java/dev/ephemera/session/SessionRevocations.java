package dev.ephemera.session;

import dev.ephemera.token.RevocationListener;
import dev.ephemera.token.TokenRecord;
import jakarta.inject.Singleton;
import java.time.Clock;
import java.util.concurrent.CompletionStage;

/** A revoked token's receipt says so, and every live session opened with it ends, on whichever replica. */
@Singleton
final class SessionRevocations implements RevocationListener {

    private final SessionStore store;
    private final Clock clock;

    SessionRevocations(SessionStore store, Clock clock) {
        this.store = store;
        this.clock = clock;
    }

    @Override
    public CompletionStage<Void> revoked(TokenRecord record, String reason) {
        return store.revoked(TokenFacts.of(record), clock.instant().getEpochSecond(), reason).thenApply(n -> null);
    }
}

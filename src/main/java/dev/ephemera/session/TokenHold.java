package dev.ephemera.session;

import dev.ephemera.token.TokenStore;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * A live session's hold on the token that opened it: revoking the token (by value, by handle or with its key) must
 * find it while the session lasts, even past the token's expiry. A session that ends before its token expires costs
 * the store nothing; one that outlasts it has the token retained once, shortly before its expiry (at a heartbeat),
 * until the session's longest end, and given back to its own expiry when the session ends and no other session of
 * the token is live (issue 29: tokens were kept 30 min after their sessions closed).
 */
final class TokenHold {

    /** How long before the token's expiry it is retained: many heartbeats, and the store keeps it 30 s past it. */
    static final Duration AHEAD = Duration.ofSeconds(30);

    private static final int FREE = 0;
    private static final int ASKED = 1;
    private static final int HELD = 2;

    private final TokenStore tokens;
    private final String id;
    private final String keyId;
    private final Instant expiresAt;
    private final Instant until;
    private final AtomicInteger state = new AtomicInteger(FREE);

    /** The hold of a session on token {@code id} (expiring at {@code expiresAt}) that may last until {@code until}. */
    TokenHold(TokenStore tokens, String id, String keyId, Instant expiresAt, Instant until) {
        this.tokens = tokens;
        this.id = id;
        this.keyId = keyId;
        this.expiresAt = expiresAt;
        this.until = until;
    }

    /** At the session's opening and each heartbeat: the token is retained once its expiry is near. */
    void renew(Instant now) {
        if (state.get() == FREE && !now.plus(AHEAD).isBefore(expiresAt) && until.isAfter(expiresAt)
                && state.compareAndSet(FREE, ASKED)) {
            tokens.retain(id, keyId, until).whenComplete((done, failed) -> state.set(failed == null ? HELD : FREE));
        }
    }

    /**
     * The session ended: a token it retained is kept only as its own expiry says, unless {@code othersLive} (read
     * only then) answers that another session of the token is still live.
     */
    CompletionStage<Void> release(Supplier<CompletionStage<Boolean>> othersLive) {
        if (state.get() == FREE) {
            return CompletableFuture.completedFuture(null);
        }
        return othersLive.get().thenCompose(others -> others ? CompletableFuture.completedFuture(null)
                : tokens.endRetention(id, expiresAt));
    }
}

package dev.ephemera.store;

import dev.ephemera.secret.Secrets;
import dev.ephemera.session.LiveSession;
import dev.ephemera.session.TokenFacts;
import dev.ephemera.session.Usage;
import java.time.Instant;
import java.time.temporal.ChronoUnit;

/** Tokens and sessions for the {@link dev.ephemera.session.SessionStore} contract tests, each with fresh ids. */
public final class SessionFixtures {

    private SessionFixtures() {
    }

    /** A token of a fresh key with {@code usesLeft} of 3 uses left, expiring in an hour. */
    public static TokenFacts token(int usesLeft) {
        return token("key_" + Secrets.randomBase62(16), usesLeft);
    }

    /** A token of {@code keyId} with {@code usesLeft} of 3 uses left, expiring in an hour. */
    public static TokenFacts token(String keyId, int usesLeft) {
        Instant issued = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        return new TokenFacts("tok_" + Secrets.randomBase62(24), keyId, "openai", "gpt-realtime", "usér-李",
                "https://app.example.com", "opaque", 3, usesLeft, issued, issued.plusSeconds(3600));
    }

    /** The same token with {@code usesLeft} uses left. */
    public static TokenFacts withUsesLeft(TokenFacts t, int usesLeft) {
        return new TokenFacts(t.id(), t.keyId(), t.provider(), t.model(), t.subject(), t.origin(), t.format(),
                t.maxUses(), usesLeft, t.issuedAt(), t.expiresAt());
    }

    /** A session opened with {@code token} at {@code openedAt} (epoch seconds), nothing used yet. */
    public static LiveSession session(TokenFacts token, long openedAt) {
        return new LiveSession("ses_" + Secrets.randomBase62(16), token.id(), token.keyId(), token.provider(),
                token.model(), token.subject(), token.origin(), openedAt, Usage.NONE);
    }

    /** Now, in epoch seconds (a session's and a receipt's times). */
    public static long epoch() {
        return System.currentTimeMillis() / 1000;
    }

    /** One response of {@code total} tokens. */
    public static Usage response(long total) {
        return Usage.ofResponse(total / 2, total - total / 2, total, 0, 0, 0);
    }
}

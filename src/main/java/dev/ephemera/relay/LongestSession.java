package dev.ephemera.relay;

import dev.ephemera.token.RedeemedToken;
import java.time.Duration;

/**
 * How long a session may last, on any transport, and whether that is the token's limit on its seconds (reaching it
 * is then a limit, SPEC §11) rather than a cap on a session's duration.
 */
public record LongestSession(Duration duration, boolean isTokenLimit) {

    /** The shortest of the replica's longest session, the token's own, and its limit on a session's seconds. */
    public static LongestSession of(RedeemedToken token, RelayConfiguration config) {
        Duration limit = token.maxSessionSeconds() == null ? config.maxSessionDuration()
                : Duration.ofSeconds(Math.min(token.maxSessionSeconds(), config.maxSessionDuration().toSeconds()));
        Long seconds = token.limits().maxSessionSeconds();
        return seconds != null && seconds < limit.toSeconds()
                ? new LongestSession(Duration.ofSeconds(seconds), true) : new LongestSession(limit, false);
    }
}

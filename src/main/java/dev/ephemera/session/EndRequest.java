package dev.ephemera.session;

import io.micronaut.core.annotation.Nullable;
import java.time.Instant;

/**
 * A request to end a live session (the kill switch, SPEC §11): why, and when it was asked, so that the replica that
 * holds the session can time the switch from the request to the session's end, wherever the request was made.
 *
 * @param reason      the session's close reason, e.g. {@code ended_by_backend}, {@code token_revoked}
 * @param requestedAt when the store took the request, by the clock of the replica that made it; null when it was not
 *                    said (a request recorded before requests carried their time)
 */
public record EndRequest(String reason, @Nullable Instant requestedAt) {
}

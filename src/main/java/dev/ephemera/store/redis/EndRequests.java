package dev.ephemera.store.redis;

import dev.ephemera.session.EndRequest;
import io.micronaut.core.annotation.Nullable;
import java.time.Instant;

/**
 * An {@link EndRequest} as Redis keeps and sends it: "{@code <reason> <epoch ms>}", in the live session's {@code end}
 * field, in a replica's end requests, and after the session id on the {@code eph:end} channel. A reason alone (as a
 * replica before requests carried their time wrote it) reads as a request of unknown time.
 */
final class EndRequests {

    private EndRequests() {
    }

    static String write(EndRequest request) {
        return request.requestedAt() == null ? request.reason()
                : request.reason() + ' ' + request.requestedAt().toEpochMilli();
    }

    /** The request {@code text} holds; null for none (null or empty). */
    @Nullable
    static EndRequest read(@Nullable String text) {
        if (text == null || text.isEmpty()) {
            return null;
        }
        int space = text.lastIndexOf(' ');
        if (space > 0 && space < text.length() - 1 && text.chars().skip(space + 1).allMatch(Character::isDigit)
                && text.length() - space - 1 <= 18) {
            return new EndRequest(text.substring(0, space), Instant.ofEpochMilli(Long.parseLong(
                    text.substring(space + 1))));
        }
        return new EndRequest(text, null);
    }
}

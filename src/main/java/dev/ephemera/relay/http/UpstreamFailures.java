package dev.ephemera.relay.http;

import io.micronaut.http.exceptions.ContentLengthExceededException;

/** Whether an upstream call failed on an answer over the size limit (its kind is {@code relay.UpstreamFailure}'s). */
final class UpstreamFailures {

    private UpstreamFailures() {
    }

    /** Whether {@code e} is an answer over the size limit. */
    static boolean tooLarge(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof ContentLengthExceededException) {
                return true;
            }
        }
        return false;
    }
}

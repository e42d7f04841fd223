package dev.ephemera.relay.http;

import io.micronaut.http.exceptions.ContentLengthExceededException;

/** What an upstream call's failure was: one that never reached the provider, or an answer over the size limit. */
final class UpstreamFailures {

    private UpstreamFailures() {
    }

    /** Whether {@code e} is a failure to connect: the request never reached the provider, which bills nothing. */
    static boolean neverSent(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof java.net.ConnectException || t instanceof io.netty.channel.ConnectTimeoutException
                    || t instanceof java.net.UnknownHostException || t instanceof javax.net.ssl.SSLHandshakeException) {
                return true;
            }
        }
        return false;
    }

    static boolean tooLarge(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof ContentLengthExceededException) {
                return true;
            }
        }
        return false;
    }
}

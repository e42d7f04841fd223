package dev.ephemera.relay;

import dev.ephemera.metrics.OperationsMetrics;
import io.micronaut.http.client.exceptions.ReadTimeoutException;
import java.net.http.HttpTimeoutException;
import java.util.Optional;
import java.util.concurrent.TimeoutException;

/**
 * How a provider failed a relay, the {@code kind} label of {@code ephemera_upstream_errors_total}: a closed set, so
 * that an alert can say "the provider is down" apart from "its key was refused". What a client caused (a 4xx the
 * HTTP relay passes on, an offer the provider refused as malformed) is not a provider's failure and is not counted.
 */
public enum UpstreamFailure {
    /** The provider answered 5xx. */
    SERVER_ERROR("server_error"),
    /** The provider refused the broker's key (401 or 403): an operator must look at the key. */
    CREDENTIALS("credentials"),
    /** A realtime handshake answered with another status than 101 (a wrong realtime URL, a model it does not know). */
    REFUSED("refused"),
    /** No connection: the name did not resolve, the connection was refused or reset, TLS failed. */
    UNREACHABLE("unreachable"),
    /** The connection, the first bytes of an answer, or a stalled provider's reading took past the upstream timeout. */
    TIMEOUT("timeout"),
    /** An open realtime connection or sideband went away without a close frame. */
    DROPPED("dropped");

    private final String label;

    UpstreamFailure(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }

    /** The failure an answer's {@code status} is, where the answer was meant to succeed: 401/403, 5xx, else refused. */
    public static UpstreamFailure ofStatus(int status) {
        if (status == 401 || status == 403) {
            return CREDENTIALS;
        }
        return status >= 500 ? SERVER_ERROR : REFUSED;
    }

    /** The provider's failure an answer passed on to the client is: a 5xx or a refused key; else none (a 4xx). */
    public static Optional<UpstreamFailure> ofAnswer(int status) {
        return status >= 500 || status == 401 || status == 403 ? Optional.of(ofStatus(status)) : Optional.empty();
    }

    /** What a failure to connect was: a timeout anywhere in its causes, else unreachable. */
    public static UpstreamFailure ofConnection(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof TimeoutException || t instanceof HttpTimeoutException
                    || t instanceof io.netty.channel.ConnectTimeoutException
                    || t instanceof java.net.SocketTimeoutException
                    || t instanceof io.netty.handler.timeout.TimeoutException
                    || t instanceof ReadTimeoutException) {
                return TIMEOUT;
            }
        }
        return UNREACHABLE;
    }

    /**
     * What a request that got no answer met: a timeout; a connection that never came about (unreachable); else a
     * connection lost after the request went (dropped).
     */
    public static UpstreamFailure ofRequest(Throwable failure) {
        UpstreamFailure kind = ofConnection(failure);
        return kind == UNREACHABLE && !neverSent(failure) ? DROPPED : kind;
    }

    /** Whether {@code failure} is a failure to connect: the request never reached the provider, which bills nothing. */
    public static boolean neverSent(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof java.net.ConnectException || t instanceof io.netty.channel.ConnectTimeoutException
                    || t instanceof java.net.UnknownHostException || t instanceof javax.net.ssl.SSLHandshakeException) {
                return true;
            }
        }
        return false;
    }

    /** Counts the failures of {@code provider} (a configured one) in {@code metrics}. */
    public static UpstreamSocket.Failures counter(OperationsMetrics metrics, String provider) {
        return kind -> metrics.upstreamError(provider, kind.label());
    }
}

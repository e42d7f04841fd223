package dev.ephemera.relay.webrtc;

import dev.ephemera.relay.RelayConfiguration;
import dev.ephemera.relay.RelayCredentials;
import dev.ephemera.relay.SessionAdmission;
import dev.ephemera.relay.UpstreamFailure;
import dev.ephemera.error.BrokerException;
import dev.ephemera.error.ErrorCode;
import dev.ephemera.metrics.OperationsMetrics;
import dev.ephemera.provider.Provider;
import io.micronaut.http.HttpRequest;
import jakarta.inject.Named;
import jakarta.inject.Singleton;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.util.concurrent.CompletionStage;

/**
 * The one request that starts a browser's call at its provider (a WebRTC offer, a GPT-Live session): with the
 * provider's key and the client's request id, bounded by {@code ephemera.relay.upstream-timeout}, never following a
 * redirect. A failure or a refusal gives the admitted session's places back and fails with {@code upstream_error},
 * never with what the provider said. Nothing here blocks a thread.
 */
@Singleton
final class CallRequests {

    private final HttpClient client;
    private final RelayConfiguration config;
    private final OperationsMetrics metrics;

    CallRequests(@Named("upstream-jdk") HttpClient client, RelayConfiguration config, OperationsMetrics metrics) {
        this.client = client;
        this.config = config;
        this.metrics = metrics;
    }

    /** A request to {@code target} with the provider's credentials and {@code request}'s client request id. */
    java.net.http.HttpRequest.Builder to(URI target, SessionAdmission.Admitted admitted, HttpRequest<?> request) {
        java.net.http.HttpRequest.Builder upstream = java.net.http.HttpRequest.newBuilder(target)
                .timeout(config.upstreamTimeout());
        admitted.upstreamHeaders().forEach(upstream::header);
        RelayCredentials.clientRequestId(request).ifPresent(id -> upstream.header("X-Client-Request-Id", id));
        return upstream;
    }

    /** Sends {@code upstream}; the stage has the provider's successful answer. */
    <T> CompletionStage<HttpResponse<T>> send(java.net.http.HttpRequest upstream, HttpResponse.BodyHandler<T> body,
            SessionAdmission.Admitted admitted, Provider provider) {
        return client.sendAsync(upstream, body).handle((answer, failed) -> {
            if (failed != null || answer.statusCode() >= 300) {
                admitted.release().run();
            }
            if (failed != null) {
                metrics.upstreamError(provider.name(), UpstreamFailure.ofRequest(failed).label());
                throw new BrokerException(ErrorCode.UPSTREAM_ERROR, "The provider '" + provider.name()
                        + "' did not answer in time or could not be reached; retry later.");
            }
            UpstreamFailure.ofAnswer(answer.statusCode()).ifPresent(kind ->
                    metrics.upstreamError(provider.name(), kind.label()));
            if (answer.statusCode() == 401 || answer.statusCode() == 403) {
                throw new BrokerException(ErrorCode.UPSTREAM_ERROR, "The provider '" + provider.name()
                        + "' refused the broker's credentials; an operator must check its key.");
            }
            if (answer.statusCode() >= 300) {
                throw new BrokerException(ErrorCode.UPSTREAM_ERROR, "The provider '" + provider.name()
                        + "' refused the offer (HTTP " + answer.statusCode() + ").");
            }
            return answer;
        });
    }
}

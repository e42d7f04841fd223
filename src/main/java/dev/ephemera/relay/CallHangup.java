package dev.ephemera.relay;

import dev.ephemera.logging.RepeatedLog;
import jakarta.inject.Named;
import jakarta.inject.Singleton;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.slf4j.LoggerFactory;

/**
 * Hangs up a provider's call ({@link ProviderCall#hangup}) with the provider's key: once, and once more when the
 * first attempt fails or the provider answers 5xx; a call the provider no longer knows (404) is ended. Never blocks
 * the caller.
 */
@Singleton
final class CallHangup {

    private static final RepeatedLog REPEATED = new RepeatedLog(LoggerFactory.getLogger(CallHangup.class));

    private final HttpClient client;
    private final RelayConfiguration config;

    CallHangup(@Named("upstream-jdk") HttpClient client, RelayConfiguration config) {
        this.client = client;
        this.config = config;
    }

    /** Ends {@code call}; the stage gives whether the provider confirmed it (or no longer knew the call). */
    CompletionStage<Boolean> hangup(ProviderCall call, Map<String, String> upstreamHeaders) {
        return attempt(call, upstreamHeaders).thenCompose(done -> done ? CompletableFuture.completedFuture(true)
                : attempt(call, upstreamHeaders)).whenComplete((done, failed) -> {
                    if (!Boolean.TRUE.equals(done)) {
                        REPEATED.warn("A provider's call could not be hung up ({}); it ends when the browser or "
                                + "the provider ends it", call.kind());
                    }
                });
    }

    private CompletionStage<Boolean> attempt(ProviderCall call, Map<String, String> upstreamHeaders) {
        HttpRequest.Builder request = HttpRequest.newBuilder(call.hangup()).timeout(config.upstreamTimeout())
                .POST(HttpRequest.BodyPublishers.noBody());
        upstreamHeaders.forEach(request::header);
        return client.sendAsync(request.build(), HttpResponse.BodyHandlers.discarding())
                .handle((response, failed) -> failed == null
                        && (response.statusCode() < 300 || response.statusCode() == 404));
    }
}

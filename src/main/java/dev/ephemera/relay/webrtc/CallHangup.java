package dev.ephemera.relay.webrtc;

import dev.ephemera.relay.RelayConfiguration;
import dev.ephemera.logging.RepeatedLog;
import jakarta.inject.Named;
import jakarta.inject.Singleton;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.LoggerFactory;

/**
 * Hangs up a provider's call ({@link ProviderCall#hangup}) with the provider's key, until the provider confirms it
 * (a call it no longer knows, 404, is ended too): a failed attempt or a 5xx is tried again after 1, 2, 4 … up to 30
 * seconds, for as long as a session may last ({@code ephemera.relay.max-session-duration}); a call the broker
 * stopped watching must not go on because one request failed. At most {@link #IN_FLIGHT} hang-ups are under way at
 * once (a revoked key may end thousands of calls together); the others wait their turn. Never blocks the caller.
 */
@Singleton
final class CallHangup {

    /** Where the next attempt waits its turn: the call's event loop, or a scheduler. */
    @FunctionalInterface
    interface Later {
        /** Runs {@code action} after {@code pause}; throws {@link RejectedExecutionException} when stopping. */
        void run(Runnable action, Duration pause);
    }

    /** The most hang-ups sent at once. */
    static final int IN_FLIGHT = 64;
    private static final Duration LONGEST_PAUSE = Duration.ofSeconds(30);
    private static final RepeatedLog REPEATED = new RepeatedLog(LoggerFactory.getLogger(CallHangup.class));

    private final HttpClient client;
    private final RelayConfiguration config;
    private final Queue<Runnable> waiting = new ConcurrentLinkedQueue<>();
    private final AtomicInteger sending = new AtomicInteger();

    CallHangup(@Named("upstream-jdk") HttpClient client, RelayConfiguration config) {
        this.client = client;
        this.config = config;
    }

    /**
     * Ends {@code call}, retrying through {@code retries}; the stage gives whether the provider
     * confirmed it before the broker gave up.
     */
    CompletionStage<Boolean> hangup(ProviderCall call, Map<String, String> upstreamHeaders, Later retries) {
        CompletableFuture<Boolean> done = new CompletableFuture<>();
        long giveUp = System.nanoTime() + config.maxSessionDuration().toNanos();
        attempt(call, upstreamHeaders, retries, Duration.ofSeconds(1), giveUp, done);
        return done;
    }

    private void attempt(ProviderCall call, Map<String, String> headers, Later retries,
            Duration pause, long giveUp, CompletableFuture<Boolean> done) {
        send(call, headers).whenComplete((confirmed, failed) -> {
            if (Boolean.TRUE.equals(confirmed)) {
                done.complete(true);
                return;
            }
            if (System.nanoTime() + pause.toNanos() > giveUp) {
                REPEATED.warn("A provider's call could not be hung up for {}; it ends when the browser or the "
                        + "provider ends it", config.maxSessionDuration());
                done.complete(false);
                return;
            }
            REPEATED.warn("A provider's call could not be hung up ({}); trying again", call.kind());
            Duration next = pause.multipliedBy(2).compareTo(LONGEST_PAUSE) > 0 ? LONGEST_PAUSE : pause.multipliedBy(2);
            try {
                retries.run(() -> attempt(call, headers, retries, next, giveUp, done), pause);
            } catch (RejectedExecutionException stopping) {
                done.complete(false);
            }
        });
    }

    /** One attempt, when its turn comes: whether the provider confirmed it. */
    private CompletionStage<Boolean> send(ProviderCall call, Map<String, String> headers) {
        CompletableFuture<Boolean> confirmed = new CompletableFuture<>();
        waiting.add(() -> {
            HttpRequest.Builder request = HttpRequest.newBuilder(call.hangup()).timeout(config.upstreamTimeout())
                    .POST(HttpRequest.BodyPublishers.noBody());
            headers.forEach(request::header);
            client.sendAsync(request.build(), HttpResponse.BodyHandlers.discarding())
                    .handle((response, failed) -> failed == null
                            && (response.statusCode() < 300 || response.statusCode() == 404))
                    .whenComplete((ok, failed) -> {
                        sending.decrementAndGet();
                        next();
                        confirmed.complete(Boolean.TRUE.equals(ok));
                    });
        });
        next();
        return confirmed;
    }

    /** Starts waiting hang-ups while fewer than {@link #IN_FLIGHT} are under way. */
    private void next() {
        while (!waiting.isEmpty()) {
            int now = sending.get();
            if (now >= IN_FLIGHT) {
                return;
            }
            if (sending.compareAndSet(now, now + 1)) {
                Runnable start = waiting.poll();
                if (start == null) {
                    sending.decrementAndGet();
                    return;
                }
                start.run();
            }
        }
    }
}

package dev.ephemera.webhook;

import com.standardwebhooks.Webhook;
import com.standardwebhooks.exceptions.WebhookSigningException;
import dev.ephemera.logging.RepeatedLog;
import dev.ephemera.metrics.BrokerMetrics;
import dev.ephemera.secret.Secrets;
import dev.ephemera.trace.Tracing;
import io.micronaut.context.annotation.Context;
import io.micronaut.scheduling.annotation.Scheduled;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.context.Scope;
import jakarta.annotation.PreDestroy;
import java.net.SocketTimeoutException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.net.ssl.SSLSocketFactory;
import org.slf4j.LoggerFactory;

/**
 * Delivers webhook events, on every replica (SPEC §11): takes events from the store's log (new ones, and those a
 * replica took and never acknowledged), schedules one delivery per subscription that wants each, acknowledges it;
 * then sends the deliveries that are due, each on a virtual thread of its own ({@link WebhookSender}: the target is
 * checked again after a fresh resolution, and the request goes to an address checked), the payload signed as Standard
 * Webhooks says ({@code webhook-id}, {@code webhook-timestamp}, {@code webhook-signature}, with the previous secret's
 * signature beside the new one after a rotation), redirects not followed. A 2xx answer delivers it; anything else is
 * tried again with exponential backoff and jitter until {@code retry-for} has passed since the first attempt, then it
 * is failed. A replica that dies mid-delivery loses
 * nothing: the delivery's lease runs out and another replica sends it. Every event is delivered at least once;
 * receivers tell repeats by {@code webhook-id}.
 */
@Context
final class WebhookWorker {

    private static final RepeatedLog REPEATED = new RepeatedLog(LoggerFactory.getLogger(WebhookWorker.class));
    private static final Duration MAX_BACKOFF = Duration.ofHours(1);
    private static final int BATCH = 200;
    /**
     * How long a round woken by an appended event waits for more: a busy replica runs at most 5 such rounds a second
     * (it polled 4 a second before), an idle one none.
     */
    static final Duration GATHER = Duration.ofMillis(200);

    private final WebhookStore store;
    private final WebhookSender sender;
    private final WebhookConfiguration config;
    private final Clock clock;
    private final BrokerMetrics metrics;
    private final String consumer = "replica-" + Secrets.randomBase62(12);
    private final ExecutorService senders = Executors.newVirtualThreadPerTaskExecutor();
    private final Tracing tracing;
    private static final AttributeKey<String> WEBHOOK_ID = AttributeKey.stringKey("ephemera.webhook.id");
    private static final AttributeKey<String> DELIVERY_ID = AttributeKey.stringKey("ephemera.webhook.delivery.id");
    private static final AttributeKey<Long> ATTEMPT = AttributeKey.longKey("ephemera.webhook.attempt");
    private static final AttributeKey<String> OUTCOME = AttributeKey.stringKey("ephemera.webhook.outcome");
    private static final AttributeKey<String> RESULT = AttributeKey.stringKey("ephemera.webhook.result");
    private final AtomicBoolean busy = new AtomicBoolean();
    private final AtomicBoolean again = new AtomicBoolean();
    private final AtomicBoolean woken = new AtomicBoolean();

    WebhookWorker(WebhookStore store, WebhookConfiguration config, Clock clock, BrokerMetrics metrics,
            Tracing tracing) {
        this.tracing = tracing;
        this.metrics = metrics;
        this.store = store;
        this.config = config;
        this.clock = clock;
        this.sender = new WebhookSender(new WebhookTargets(config.allowPrivateTargets()), WebhookSender.PLAIN,
                (SSLSocketFactory) SSLSocketFactory.getDefault());
    }

    /**
     * A round soon, on this replica: an event was appended here. The events appended within {@link #GATHER} share one
     * round (a busy replica runs at most one such round per pause, not one per event); a round under way runs another
     * after it.
     */
    void soon() {
        if (woken.compareAndSet(false, true)) {
            CompletableFuture.delayedExecutor(GATHER.toMillis(), TimeUnit.MILLISECONDS, senders).execute(() -> {
                woken.set(false);
                round();
            });
        }
    }

    /**
     * One round: new events fanned out to the subscriptions, due deliveries sent. Rounds never overlap. Every
     * 2 s (the events other replicas appended and did not take, deliveries due again), and at once after
     * an event is appended here.
     */
    @Scheduled(fixedDelay = "2s", initialDelay = "250ms")
    void round() {
        if (!busy.compareAndSet(false, true)) {
            again.set(true);
            return;
        }
        AtomicBoolean full = new AtomicBoolean();
        // Events first, then the subscriptions: an event taken was appended after every subscription that must get it
        // had been saved, so a read sent after the take finds them all.
        store.take(consumer, BATCH, config.lease()).thenCompose(taken -> {
            full.set(taken.size() == BATCH);
            return taken.isEmpty() ? CompletableFuture.completedFuture(null)
                    : store.subscriptions().thenCompose(subscriptions -> fanOut(taken, subscriptions));
        }).thenCompose(fannedOut -> store.due(clock.instant(), config.lease(), BATCH)).thenAccept(due -> {
            full.set(full.get() || due.size() == BATCH);
            due.forEach(delivery -> senders.execute(() -> send(delivery)));
        }).whenComplete((done, failed) -> {
            busy.set(false);
            if (failed != null) {
                REPEATED.warn("Webhook deliveries could not be read: {}", failed.getClass().getSimpleName());
            }
            if (full.get() || again.getAndSet(false)) {
                // More is waiting (or an event came during the round): the next round at once, not after the pause.
                senders.execute(this::round);
            }
        });
    }

    /** Schedules each event's deliveries, then acknowledges it; events one after the other. */
    private CompletionStage<Void> fanOut(List<WebhookStore.Queued> taken, List<Subscription> subscriptions) {
        CompletableFuture<Void> all = CompletableFuture.completedFuture(null);
        Instant now = clock.instant();
        for (WebhookStore.Queued event : taken) {
            List<CompletableFuture<Void>> scheduled = new ArrayList<>();
            for (Subscription s : subscriptions) {
                if (s.wants(event.type(), event.keyId())) {
                    scheduled.add(store.schedule(new Delivery(Delivery.idOf(event.id(), s.id()), s.id(), event.id(),
                            event.type(), event.payload(), 0, 0, null, "pending", null), now).toCompletableFuture());
                }
            }
            all = all.thenCompose(x -> CompletableFuture.allOf(scheduled.toArray(CompletableFuture[]::new)))
                    .thenCompose(x -> store.acknowledge(event).toCompletableFuture());
        }
        return all;
    }

    /** One attempt, on a virtual thread: blocking here is fine. Traced as a span of its own (ids, event, outcome). */
    private void send(Delivery delivery) {
        Span span = tracing.start("webhook " + delivery.type(), SpanKind.CLIENT,
                io.opentelemetry.context.Context.root());
        span.setAttribute(WEBHOOK_ID, delivery.subscriptionId());
        span.setAttribute(DELIVERY_ID, delivery.id());
        span.setAttribute(ATTEMPT, delivery.attempts() + 1L);
        try (Scope ignored = span.makeCurrent()) {
            attempt(delivery, span);
        } finally {
            span.end();
        }
    }

    private void attempt(Delivery delivery, Span span) {
        long at = clock.instant().getEpochSecond();
        String result;
        boolean delivered = false;
        try {
            Subscription subscription = store.find(delivery.subscriptionId()).toCompletableFuture().join()
                    .orElse(null);
            if (subscription == null) {
                store.attempted(delivery.attempted(at, "failed", "subscription_deleted"), null);
                return;
            }
            int status = sender.post(subscription.url(), headers(subscription, delivery, at), delivery.payload());
            result = Integer.toString(status);
            delivered = status >= 200 && status < 300;
        } catch (WebhookTargets.Refused e) {
            result = "private_target";
        } catch (SocketTimeoutException e) {
            result = "timeout";
        } catch (Exception e) {
            result = "unreachable";
        }
        Instant next = null;
        String status = delivered ? "delivered" : "pending";
        if (!delivered) {
            long first = delivery.firstAttemptAt() == 0 ? at : delivery.firstAttemptAt();
            Instant retry = clock.instant().plus(backoff(delivery.attempts() + 1));
            if (retry.isAfter(Instant.ofEpochSecond(first).plus(config.retryFor()))) {
                status = "failed";
            } else {
                next = retry;
            }
        }
        String outcome = delivered ? "delivered" : next != null ? "retrying" : "failed";
        metrics.webhookDelivery(outcome);
        span.setAttribute(OUTCOME, outcome);
        span.setAttribute(RESULT, result);
        if (!delivered) {
            span.setStatus(StatusCode.ERROR, result);
        }
        store.attempted(delivery.attempted(at, status, result), next).whenComplete((done, failed) -> {
            if (failed != null) {
                REPEATED.warn("A webhook delivery's outcome could not be recorded: {}",
                        failed.getClass().getSimpleName());
            }
        });
    }

    /** Standard Webhooks' headers, with the previous secret's signature beside the new one after a rotation. */
    private static Map<String, String> headers(Subscription subscription, Delivery delivery, long at)
            throws WebhookSigningException {
        String signature = new Webhook(subscription.secret()).sign(delivery.eventId(), at, delivery.payload());
        if (subscription.previousSecret() != null && subscription.previousUntil() != null
                && at < subscription.previousUntil()) {
            signature += " " + new Webhook(subscription.previousSecret()).sign(delivery.eventId(), at,
                    delivery.payload());
        }
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("Content-Type", "application/json");
        headers.put("User-Agent", "Ephemera-Webhooks/1");
        headers.put("webhook-id", delivery.eventId());
        headers.put("webhook-timestamp", Long.toString(at));
        headers.put("webhook-signature", signature);
        return headers;
    }

    /** The wait before attempt {@code attempt + 1}: first-retry doubled each time, at most an hour, ±20%. */
    private Duration backoff(int attempt) {
        long base = config.firstRetry().toMillis() << Math.min(20, attempt - 1);
        long capped = Math.min(base, MAX_BACKOFF.toMillis());
        return Duration.ofMillis((long) (capped * (0.8 + 0.4 * ThreadLocalRandom.current().nextDouble())));
    }

    @PreDestroy
    void stop() {
        senders.shutdownNow();
    }
}

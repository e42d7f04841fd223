package dev.ephemera.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ephemera.secret.Secrets;
import dev.ephemera.webhook.Delivery;
import dev.ephemera.webhook.Subscription;
import dev.ephemera.webhook.WebhookStore.Queued;
import dev.ephemera.webhook.WebhookStore;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * The {@link WebhookStore} contract: subscriptions kept as saved; events handed out in the order appended, each to
 * one consumer until acknowledged, again to another once abandoned; a delivery scheduled once per id, taken when due
 * and held for its lease, by one taker only. The stores keep one log and one queue, so each test starts empty.
 */
public abstract class AbstractWebhookStoreTest extends StoreContract {

    private static final Duration LONG = Duration.ofMinutes(5);
    private static final Instant T = Instant.now().truncatedTo(ChronoUnit.MILLIS);

    private final WebhookStore webhooks;

    /** The contract run on {@code webhooks}, whose time passes by {@code time}. */
    protected AbstractWebhookStoreTest(WebhookStore webhooks, Consumer<Duration> time) {
        super(time);
        this.webhooks = webhooks;
    }

    private static Subscription subscription(String url) {
        return new Subscription("wh_" + Secrets.randomBase62(16), "key_AAAAAAAAAAAAAAAA", false, url,
                List.of("token.minted", "session.closed"), "désc 🎧", 1_700_000_000L, "whsec_x", null, null);
    }

    private static Queued event(String type) {
        return new Queued("msg_" + Secrets.randomBase62(16), type, type.startsWith("key") ? null : "key_A",
                "{\"type\":\"" + type + "\",\"data\":{\"note\":\"é\"}}", null);
    }

    private static Delivery delivery(String subscriptionId, String payload) {
        return new Delivery("msg_" + Secrets.randomBase62(16) + "." + subscriptionId, subscriptionId, "msg_e",
                "token.minted", payload, 0, 0, null, "pending", null);
    }

    @Test
    void subscriptionsAreKeptAsSavedUntilDeleted() {
        Subscription a = subscription("https://a.example/hook");
        Subscription b = subscription("https://b.example/hook");
        now(webhooks.save(a));
        now(webhooks.save(b));
        assertThat(now(webhooks.find(a.id()))).contains(a);
        assertThat(now(webhooks.subscriptions())).containsExactlyInAnyOrder(a, b);
        Subscription rotated = new Subscription(a.id(), a.owner(), a.admin(), a.url(), a.events(), a.description(),
                a.createdAt(), "whsec_y", a.secret(), 1_700_000_600L);
        now(webhooks.save(rotated));
        assertThat(now(webhooks.find(a.id()))).contains(rotated);
        assertThat(now(webhooks.delete(a.id()))).isTrue();
        assertThat(now(webhooks.delete(a.id()))).isFalse();
        assertThat(now(webhooks.find(a.id()))).isEmpty();
        assertThat(now(webhooks.subscriptions())).containsExactly(b);
    }

    @Test
    void eventsAreHandedOutInOrderToOneConsumerAndLeaveWhenAcknowledged() {
        List<Queued> appended = List.of(event("token.minted"), event("key.revoked"), event("session.closed"));
        appended.forEach(e -> now(webhooks.append(e)));
        List<Queued> first = now(webhooks.take("replica-1", 2, LONG));
        List<Queued> second = now(webhooks.take("replica-2", 5, LONG));
        assertThat(first).extracting(Queued::id).containsExactly(appended.get(0).id(), appended.get(1).id());
        assertThat(second).extracting(Queued::id).containsExactly(appended.get(2).id());
        List<Queued> all = new ArrayList<>(first);
        all.addAll(second);
        for (int i = 0; i < appended.size(); i++) {
            Queued in = appended.get(i);
            Queued out = all.get(i);
            assertThat(out.handle()).isNotNull();
            assertThat(new Queued(out.id(), out.type(), out.keyId(), out.payload(), null)).isEqualTo(in);
        }
        all.forEach(e -> now(webhooks.acknowledge(e)));
        elapse(Duration.ofMillis(300));
        assertThat(now(webhooks.take("replica-3", 5, Duration.ofMillis(100)))).isEmpty();
    }

    @Test
    void anEventNotAcknowledgedIsHandedOutAgainOnceAbandoned() {
        Queued event = event("token.minted");
        now(webhooks.append(event));
        Duration abandonedAfter = Duration.ofMillis(800);
        assertThat(now(webhooks.take("replica-1", 5, abandonedAfter))).extracting(Queued::id)
                .containsExactly(event.id());
        assertThat(now(webhooks.take("replica-2", 5, abandonedAfter))).as("held by replica-1").isEmpty();
        elapse(abandonedAfter.plusMillis(200));
        List<Queued> again = now(webhooks.take("replica-2", 5, abandonedAfter));
        assertThat(again).extracting(Queued::id).containsExactly(event.id());
        now(webhooks.acknowledge(again.get(0)));
        elapse(abandonedAfter.plusMillis(200));
        assertThat(now(webhooks.take("replica-1", 5, abandonedAfter))).isEmpty();
    }

    @Test
    void aDeliveryIsScheduledOnceAndTakenWhenDueForItsLease() {
        Delivery d = delivery("wh_s", "first");
        now(webhooks.schedule(d, T));
        now(webhooks.schedule(new Delivery(d.id(), d.subscriptionId(), d.eventId(), d.type(), "second", 0, 0,
                null, "pending", null), T.minusSeconds(60)));
        assertThat(now(webhooks.due(T.minusMillis(1), LONG, 10))).as("not yet due").isEmpty();
        assertThat(now(webhooks.due(T, LONG, 10))).containsExactly(d);
        assertThat(now(webhooks.due(T.plusSeconds(1), LONG, 10))).as("held for its lease").isEmpty();
        assertThat(now(webhooks.due(T.plus(LONG), LONG, 10))).as("due again after its lease").containsExactly(d);
    }

    @Test
    void anAttemptRecordsTheOutcomeAndWhenToTryAgain() {
        Delivery d = delivery("wh_s", "p");
        now(webhooks.schedule(d, T));
        Delivery failed = new Delivery(d.id(), d.subscriptionId(), d.eventId(), d.type(), d.payload(), 1,
                T.getEpochSecond(), T.getEpochSecond(), "pending", "timeout");
        now(webhooks.attempted(failed, T.plusSeconds(30)));
        assertThat(now(webhooks.due(T.plusSeconds(29), LONG, 10))).isEmpty();
        assertThat(now(webhooks.due(T.plusSeconds(30), LONG, 10))).containsExactly(failed);
        Delivery done = new Delivery(d.id(), d.subscriptionId(), d.eventId(), d.type(), d.payload(), 2,
                T.getEpochSecond(), T.getEpochSecond() + 30, "delivered", "200");
        now(webhooks.attempted(done, null));
        assertThat(now(webhooks.due(T.plus(Duration.ofDays(1)), LONG, 10))).isEmpty();
        assertThat(now(webhooks.deliveries("wh_s", 10))).containsExactly(done);
    }

    @Test
    void aSubscriptionsDeliveriesAreListedNewestFirst() {
        List<Delivery> scheduled = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            Delivery d = delivery("wh_list", "p" + i);
            scheduled.add(0, d);
            now(webhooks.schedule(d, T.plusSeconds(i)));
        }
        now(webhooks.schedule(delivery("wh_other", "x"), T));
        assertThat(now(webhooks.deliveries("wh_list", 3))).containsExactlyElementsOf(scheduled.subList(0, 3));
        assertThat(now(webhooks.deliveries("wh_none", 3))).isEmpty();
    }

    @Test
    void concurrentTakersNeverTakeTheSameDelivery() throws Exception {
        List<Delivery> scheduled = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
            Delivery d = delivery("wh_s", "p" + i);
            scheduled.add(d);
            now(webhooks.schedule(d, T));
        }
        List<List<Delivery>> taken = atOnce(8, () -> now(webhooks.due(T, LONG, 4)));
        List<Delivery> all = new ArrayList<>(taken.stream().flatMap(List::stream).toList());
        all.addAll(now(webhooks.due(T, LONG, 16)));
        assertThat(all).containsExactlyInAnyOrderElementsOf(scheduled);
    }
}

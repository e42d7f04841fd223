package dev.ephemera.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** A live session's place is held once for as long as it may last; a hold the store fails is tried again. */
class SessionPlacesHoldTest {

    /** Session places whose first {@code failing} holds fail, as a store that cannot be reached for a moment. */
    private static final class FlakyPlaces implements SessionPlaceStore {
        private final AtomicInteger failing;
        final List<Duration> holds = new CopyOnWriteArrayList<>();

        FlakyPlaces(int failing) {
            this.failing = new AtomicInteger(failing);
        }

        @Override
        public CompletionStage<Boolean> open(String keyId, String sessionId, int max, Duration lease) {
            return CompletableFuture.completedFuture(true);
        }

        @Override
        public CompletionStage<Void> renew(String keyId, String sessionId, Duration lease) {
            holds.add(lease);
            return failing.getAndDecrement() > 0 ? CompletableFuture.failedFuture(new IllegalStateException("down"))
                    : CompletableFuture.completedFuture(null);
        }

        @Override
        public CompletionStage<Void> close(String keyId, String sessionId) {
            return CompletableFuture.completedFuture(null);
        }
    }

    private static SessionPlaces limits(SessionPlaceStore places) {
        return new SessionPlaces(places, new RateLimitConfiguration(10, 10, 10, 10));
    }

    @Test
    void aHoldTheStoreFailedIsTriedAgainWithWhatIsLeftOfTheLease() {
        FlakyPlaces places = new FlakyPlaces(2);
        limits(places).hold("key_1", "ses_1", Duration.ofMinutes(31));
        await().atMost(Duration.ofSeconds(6)).until(() -> places.holds.size() == 3);
        assertThat(places.holds).containsExactly(Duration.ofMinutes(31), Duration.ofMinutes(31).minusSeconds(1),
                Duration.ofMinutes(31).minusSeconds(3));
    }

    @Test
    void aHoldThatTookIsNotRepeated() throws InterruptedException {
        FlakyPlaces places = new FlakyPlaces(0);
        limits(places).hold("key_1", "ses_1", Duration.ofMinutes(31));
        Thread.sleep(1500);
        assertThat(places.holds).hasSize(1);
    }
}

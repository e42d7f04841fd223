package dev.ephemera.session;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ephemera.secret.Secrets;
import dev.ephemera.support.Broker;
import dev.ephemera.support.TestRedis;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * Both session stores: a token revoked after a session's redemption but before its registration finds no session
 * to end; registering the session then answers why the token was revoked, so that it ends anyway. And a relayed
 * request's reservation: counted when granted, so that parallel requests cannot each take the whole budget.
 */
class SessionStoresTest {

    private static void revokedBeforeRegistration(SessionStore store) {
        Instant now = Instant.now();
        TokenFacts token = new TokenFacts("tok_" + Secrets.randomBase62(24), "key_" + Secrets.randomBase62(16),
                "openai", null, null, null, "opaque", 1, 0, now, now.plusSeconds(60));
        LiveSession session = new LiveSession("ses_" + Secrets.randomBase62(24), token.id(), token.keyId(), "openai",
                null, null, null, now.getEpochSecond(), Usage.NONE);
        assertThat(store.open(session, token, Duration.ofSeconds(15)).toCompletableFuture().join()).isEmpty();

        TokenFacts revoked = new TokenFacts("tok_" + Secrets.randomBase62(24), token.keyId(), "openai", null, null,
                null, "opaque", 1, 0, now, now.plusSeconds(60));
        assertThat(store.revoked(revoked, now.getEpochSecond(), "key_revoked").toCompletableFuture().join())
                .as("no session to end yet").isZero();
        LiveSession late = new LiveSession("ses_" + Secrets.randomBase62(24), revoked.id(), revoked.keyId(),
                "openai", null, null, null, now.getEpochSecond(), Usage.NONE);
        assertThat(store.open(late, revoked, Duration.ofSeconds(15)).toCompletableFuture().join())
                .isEqualTo(Optional.of("key_revoked"));
    }

    private static void reservationsCountUntilReleased(SessionStore store) {
        Instant now = Instant.now();
        TokenFacts token = new TokenFacts("tok_" + Secrets.randomBase62(24), "key_" + Secrets.randomBase62(16),
                "openai", null, null, null, "opaque", 10, 10, now, now.plusSeconds(60));
        assertThat(reserve(store, token, 1000L, null)).as("the whole budget, to the first").contains(1000L);
        assertThat(reserve(store, token, 1000L, null)).as("nothing left while it is outstanding").isEmpty();
        store.settle(token, 1000, Usage.ofResponse(100, 300, 400, 0, 0, 0), LocalDate.now())
                .toCompletableFuture().join();
        assertThat(reserve(store, token, 1000L, null)).as("what the done one left").contains(600L);
        assertThat(reserve(store, token, null, 2L)).as("one done and one outstanding reach two responses").isEmpty();
        store.settle(token, 600, Usage.NONE, LocalDate.now()).toCompletableFuture().join();
        assertThat(reserve(store, token, null, 2L)).as("without a limit of tokens nothing is reserved")
                .contains(0L);
        assertThat(reserve(store, token, null, 2L)).isEmpty();
    }

    private static Optional<Long> reserve(SessionStore store, TokenFacts token, Long tokens, Long responses) {
        return store.reserve(token.id(), tokens, responses).toCompletableFuture().join();
    }

    /** A call whose lease ran out is handed to one taker; a held or dropped one to none. */
    private static void lapsedCallsGoToOneTaker(CallStore calls) {
        java.time.Instant now = java.time.Instant.now();
        String id = "ses_" + System.nanoTime();
        calls.hold(id + "a", "openai REALTIME rtc_a", now.minusSeconds(1), Duration.ofMinutes(1))
                .toCompletableFuture().join();
        calls.hold(id + "b", "openai REALTIME rtc_b", now.plusSeconds(60), Duration.ofMinutes(1))
                .toCompletableFuture().join();
        calls.hold(id + "c", "openai LIVE live_c", now.minusSeconds(1), Duration.ofMinutes(1))
                .toCompletableFuture().join();
        calls.drop(id + "c").toCompletableFuture().join();
        assertThat(calls.orphaned(now, 100).toCompletableFuture().join()).contains("openai REALTIME rtc_a")
                .doesNotContain("openai REALTIME rtc_b", "openai LIVE live_c");
        assertThat(calls.orphaned(now, 100).toCompletableFuture().join()).doesNotContain("openai REALTIME rtc_a");
        assertThat(calls.orphaned(now.plusSeconds(120), 100).toCompletableFuture().join())
                .contains("openai REALTIME rtc_b");
        calls.drop(id + "b").toCompletableFuture().join();
    }

    @Test
    void onRedis() {
        try (Broker broker = Broker.onRedis(TestRedis.uri(), Map.of())) {
            revokedBeforeRegistration(broker.context().getBean(SessionStore.class));
            reservationsCountUntilReleased(broker.context().getBean(SessionStore.class));
            lapsedCallsGoToOneTaker(broker.context().getBean(CallStore.class));
        }
    }

    @Test
    void inMemory() {
        try (Broker broker = Broker.inMemory(Map.of())) {
            revokedBeforeRegistration(broker.context().getBean(SessionStore.class));
            reservationsCountUntilReleased(broker.context().getBean(SessionStore.class));
            lapsedCallsGoToOneTaker(broker.context().getBean(CallStore.class));
        }
    }
}

package dev.ephemera.store;

import static dev.ephemera.store.SessionFixtures.epoch;
import static dev.ephemera.store.SessionFixtures.session;
import static dev.ephemera.store.SessionFixtures.token;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ephemera.ratelimit.SessionPlaceStore;
import dev.ephemera.session.EndRequest;
import dev.ephemera.session.LiveSession;
import dev.ephemera.session.Receipt;
import dev.ephemera.session.SessionStore;
import dev.ephemera.session.TokenFacts;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * The {@link SessionStore} contract for live sessions: registered for as long as they may last, listed oldest
 * first, asked to end wherever they run (the first reason stays, every replica is told), closed onto their token's
 * receipt. Usage, receipts and reservations: {@link AbstractSessionUsageTest}.
 */
public abstract class AbstractSessionStoreTest extends StoreContract {

    private static final Duration LONG = Duration.ofMinutes(5);

    private final SessionStore sessions;
    private final SessionPlaceStore places;

    /**
     * The contract run on {@code sessions}, whose time passes by {@code time}; {@code places} are the same backend's
     * session places, which a session takes before it is opened (as the relays do), and which a backend may list a
     * key's sessions from.
     */
    protected AbstractSessionStoreTest(SessionStore sessions, SessionPlaceStore places, Consumer<Duration> time) {
        super(time);
        this.sessions = sessions;
        this.places = places;
    }

    /** Opens {@code session} as the relays do: its key's place first, then the session. */
    private Optional<String> open(LiveSession session, TokenFacts token, Duration lease) {
        assertThat(now(places.open(session.keyId(), session.id(), 100, LONG))).isTrue();
        return now(sessions.open(session, token, lease));
    }

    @Test
    void anOpenedSessionIsLiveListedAndOnItsReceipt() {
        TokenFacts token = token(2);
        LiveSession s = session(token, epoch());
        assertThat(open(s, token, LONG)).isEmpty();
        assertThat(now(sessions.find(s.id()))).contains(s);
        assertThat(now(sessions.live(token.keyId()))).containsExactly(s);
        // Every key's sessions are listed by replica, once the replica's heartbeat (renew) is known.
        now(sessions.renew(List.of(s.id()), LONG));
        assertThat(now(sessions.live(null))).contains(s);
        assertThat(now(sessions.live("key_other"))).isEmpty();
        Receipt receipt = now(sessions.receipt(token.id(), epoch())).orElseThrow();
        assertThat(receipt.sessions()).extracting(Receipt.SessionSummary::id, Receipt.SessionSummary::state)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(s.id(), "live"));
        assertThat(now(sessions.find("ses_unknown"))).isEmpty();
    }

    @Test
    void aKeysSessionsAreListedOldestFirst() {
        TokenFacts token = token(3);
        long t = epoch();
        LiveSession late = session(token, t + 2);
        LiveSession early = session(token, t);
        LiveSession middle = session(token, t + 1);
        for (LiveSession s : List.of(late, early, middle)) {
            open(s, token, LONG);
        }
        assertThat(now(sessions.live(token.keyId()))).containsExactly(early, middle, late);
    }

    @Test
    void aSessionIsKeptForTheLeaseItWasOpenedWithAndThenLeavesTheList() {
        // The lease given at opening is as long as the session may last; a replica's heartbeat (renew) holds what
        // it runs, and a dead replica's sessions are removed by another (Redis: DeadReplicaTest).
        TokenFacts token = token(2);
        Duration lease = Duration.ofMillis(1500);
        LiveSession lapsing = session(token, epoch());
        open(lapsing, token, lease);
        elapse(Duration.ofMillis(900));
        assertThat(now(sessions.live(token.keyId()))).containsExactly(lapsing);
        elapse(Duration.ofMillis(900));
        assertThat(now(sessions.find(lapsing.id()))).isEmpty();
        assertThat(now(sessions.live(token.keyId()))).isEmpty();
    }

    @Test
    void anEndRequestMarksTheSessionAndKeepsTheFirstReason() {
        TokenFacts token = token(2);
        LiveSession s = session(token, epoch());
        LiveSession other = session(token, epoch());
        open(s, token, LONG);
        open(other, token, LONG);
        assertThat(now(sessions.requestEnd(s.id(), "killed"))).isTrue();
        assertThat(now(sessions.requestEnd(s.id(), "later"))).isTrue();
        assertThat(now(sessions.requestEnd("ses_unknown", "killed"))).isFalse();
        assertThat(reasons(now(sessions.renew(List.of(s.id(), other.id()), LONG)))).isEqualTo(Map.of(s.id(),
                "killed"));
    }

    /** The request carries when it was made, so that the replica holding the session can time the kill switch. */
    @Test
    void anEndRequestCarriesTheTimeItWasMade() throws Exception {
        TokenFacts token = token(2);
        LiveSession s = session(token, epoch());
        open(s, token, LONG);
        CompletableFuture<EndRequest> told = new CompletableFuture<>();
        sessions.onEndRequested((id, request) -> {
            if (id.equals(s.id())) {
                told.complete(request);
            }
        });
        for (int i = 0; i < 50 && !told.isDone(); i++) {
            now(sessions.requestEnd(s.id(), "ended_by_backend"));
            try {
                told.get(100, TimeUnit.MILLISECONDS);
            } catch (java.util.concurrent.TimeoutException e) {
                // not yet: a replica's subscription may take a moment
            }
        }
        Instant wall = Instant.now();
        EndRequest heard = told.getNow(null);
        EndRequest marked = now(sessions.renew(List.of(s.id()), LONG)).get(s.id());
        EndRequest added = now(sessions.add(s.id(), token, SessionFixtures.response(1),
                java.time.LocalDate.of(2026, 3, 1)))
                .endRequested();
        for (EndRequest request : java.util.Arrays.asList(heard, marked, added)) {
            assertThat(request).isNotNull();
            assertThat(request.reason()).isEqualTo("ended_by_backend");
            assertThat(request.requestedAt()).isBetween(wall.minus(Duration.ofMinutes(1)), wall);
        }
    }

    private static Map<String, String> reasons(Map<String, EndRequest> requests) {
        Map<String, String> reasons = new java.util.HashMap<>();
        requests.forEach((id, request) -> reasons.put(id, request.reason()));
        return reasons;
    }

    @Test
    void everyListenerIsToldOfAnEndRequest() throws Exception {
        TokenFacts token = token(2);
        LiveSession s = session(token, epoch());
        open(s, token, LONG);
        CompletableFuture<String> told = new CompletableFuture<>();
        sessions.onEndRequested((id, request) -> {
            if (id.equals(s.id())) {
                told.complete(request.reason());
            }
        });
        // A replica's subscription may take a moment to be in place: asked again until it hears.
        for (int i = 0; i < 50 && !told.isDone(); i++) {
            now(sessions.requestEnd(s.id(), "key_revoked"));
            try {
                told.get(100, TimeUnit.MILLISECONDS);
            } catch (java.util.concurrent.TimeoutException e) {
                // not yet
            }
        }
        assertThat(told).isCompletedWithValue("key_revoked");
    }

    @Test
    void aClosedSessionLeavesTheListAndItsReceiptSaysHowItEnded() {
        TokenFacts token = token(2);
        LiveSession s = session(token, epoch());
        open(s, token, LONG);
        LiveSession used = s.withUsage(SessionFixtures.response(40));
        now(sessions.close(used, "client_closed", s.openedAt() + 7));
        assertThat(now(sessions.find(s.id()))).isEmpty();
        assertThat(now(sessions.live(token.keyId()))).isEmpty();
        assertThat(now(sessions.requestEnd(s.id(), "killed"))).isFalse();
        assertThat(now(sessions.renew(List.of(s.id()), LONG))).isEmpty();
        assertThat(now(sessions.receipt(token.id(), epoch())).orElseThrow().sessions()).containsExactly(
                new Receipt.SessionSummary(s.id(), "closed", s.openedAt(), s.openedAt() + 7, "client_closed",
                        used.usage()));
    }

    @Test
    void aRevocationAsksTheTokensLiveSessionsToEnd() {
        TokenFacts token = token(1);
        LiveSession live = session(token, epoch());
        LiveSession closed = session(token, epoch());
        TokenFacts other = token(token.keyId(), 1);
        LiveSession otherToken = session(other, epoch());
        open(live, token, LONG);
        open(closed, token, LONG);
        now(sessions.close(closed, "client_closed", epoch()));
        open(otherToken, other, LONG);
        assertThat(now(sessions.revoked(token, 1_000L, "token_revoked"))).isEqualTo(1);
        assertThat(reasons(now(sessions.renew(List.of(live.id(), otherToken.id()), LONG))))
                .isEqualTo(Map.of(live.id(), "token_revoked"));
        Receipt receipt = now(sessions.receipt(token.id(), epoch())).orElseThrow();
        assertThat(receipt.state()).isEqualTo("revoked");
        assertThat(receipt.revokedAt()).isEqualTo(1_000L);
        now(sessions.revoked(token, 2_000L, "key_revoked"));
        assertThat(now(sessions.receipt(token.id(), epoch())).orElseThrow().revokedAt()).as("the first stays")
                .isEqualTo(1_000L);
    }

    /** Revoked between its redemption and its registration: the session is told to end when it registers. */
    @Test
    void aSessionOpenedWithARevokedTokenIsToldWhy() {
        TokenFacts token = token(1);
        assertThat(now(sessions.revoked(token, epoch(), "token_revoked"))).as("no session to end yet").isZero();
        assertThat(open(session(token, epoch()), token, LONG)).contains("token_revoked");
    }
}

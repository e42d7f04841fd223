package dev.ephemera.store;

import static dev.ephemera.store.SessionFixtures.epoch;
import static dev.ephemera.store.SessionFixtures.response;
import static dev.ephemera.store.SessionFixtures.session;
import static dev.ephemera.store.SessionFixtures.token;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ephemera.session.LiveSession;
import dev.ephemera.session.MoneyTurn;
import dev.ephemera.session.Receipt;
import dev.ephemera.session.SessionStore.Added;
import dev.ephemera.session.SessionStore;
import dev.ephemera.session.TokenFacts;
import dev.ephemera.session.Usage;
import dev.ephemera.token.UsageLimits;
import java.time.Duration;
import java.time.LocalDate;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * The {@link SessionStore} contract for usage and receipts: usage added atomically to the session, the token's
 * receipt and the key's day; a receipt's state as far as it knows; reservations refused at the limits, granted no
 * more than the limits allow under concurrent calls, and given back when settled.
 */
public abstract class AbstractSessionUsageTest extends StoreContract {

    private static final Duration LONG = Duration.ofMinutes(5);
    private static final LocalDate DAY = LocalDate.of(2026, 3, 1);

    private final SessionStore sessions;

    /** The contract run on {@code sessions}, whose time passes by {@code time}. */
    protected AbstractSessionUsageTest(SessionStore sessions, Consumer<Duration> time) {
        super(time);
        this.sessions = sessions;
    }

    @Test
    void usageIsAddedToTheSessionTheReceiptAndTheKeysDay() {
        TokenFacts token = token(2);
        LiveSession s = session(token, epoch());
        now(sessions.open(s, token, LONG));
        Added first = now(sessions.add(s.id(), token, response(100), DAY));
        assertThat(first).isEqualTo(new Added(response(100), null));
        Added second = now(sessions.add(null, token, Usage.ofSeconds(5), DAY));
        assertThat(second.tokenTotal()).isEqualTo(response(100).plus(Usage.ofSeconds(5)));
        assertThat(now(sessions.find(s.id())).orElseThrow().usage()).as("an HTTP request is no session's")
                .isEqualTo(response(100));
        assertThat(now(sessions.usage(token.id()))).isEqualTo(second.tokenTotal());
        assertThat(now(sessions.receipt(token.id(), epoch())).orElseThrow().usage())
                .isEqualTo(second.tokenTotal());
        assertThat(now(sessions.day(token.keyId(), DAY))).isEqualTo(second.tokenTotal());
        assertThat(now(sessions.day(token.keyId(), DAY.plusDays(1)))).isEqualTo(Usage.NONE);
        assertThat(now(sessions.usage("tok_unknown"))).isEqualTo(Usage.NONE);
    }

    @Test
    void anAdditionTellsASessionAskedToEnd() {
        TokenFacts token = token(2);
        LiveSession s = session(token, epoch());
        now(sessions.open(s, token, LONG));
        now(sessions.requestEnd(s.id(), "budget"));
        assertThat(now(sessions.add(s.id(), token, response(10), DAY)).endRequested().reason()).isEqualTo("budget");
    }

    @Test
    void usageAfterTheSessionClosedCountsOnlyForTheTokenAndTheDay() {
        TokenFacts token = token(2);
        LiveSession s = session(token, epoch());
        now(sessions.open(s, token, LONG));
        now(sessions.close(s, "client_closed", epoch()));
        assertThat(now(sessions.add(s.id(), token, response(10), DAY)).tokenTotal()).isEqualTo(response(10));
        assertThat(now(sessions.find(s.id()))).as("not brought back").isEmpty();
        assertThat(now(sessions.day(token.keyId(), DAY))).isEqualTo(response(10));
    }

    @Test
    void concurrentAdditionsAreEachCounted() throws Exception {
        TokenFacts token = token(2);
        LiveSession s = session(token, epoch());
        now(sessions.open(s, token, LONG));
        atOnce(40, () -> now(sessions.add(s.id(), token, response(3), DAY)));
        Usage forty = new Usage(40, 80, 120, 0, 0, 0, 0, 0, 40, 0, 0);
        assertThat(now(sessions.find(s.id())).orElseThrow().usage()).isEqualTo(forty);
        assertThat(now(sessions.usage(token.id()))).isEqualTo(forty);
        assertThat(now(sessions.day(token.keyId(), DAY))).isEqualTo(forty);
    }

    @Test
    void aReceiptSaysWhatBecameOfTheToken() {
        assertThat(now(sessions.receipt("tok_unknown", epoch()))).isEmpty();
        TokenFacts token = token(2);
        now(sessions.open(session(token, epoch()), token, LONG));
        Receipt active = now(sessions.receipt(token.id(), epoch())).orElseThrow();
        assertThat(active.state()).isEqualTo("active");
        assertThat(active.uses()).isEqualTo(1);
        assertThat(List.of(active.keyId(), active.provider(), active.model(), active.subject(), active.origin(),
                active.format())).containsExactly(token.keyId(), "openai", "gpt-realtime", "usér-李",
                        "https://app.example.com", "opaque");
        assertThat(List.of(active.issuedAt(), active.expiresAt(), (long) active.maxUses())).containsExactly(
                token.issuedAt().getEpochSecond(), token.expiresAt().getEpochSecond(), 3L);
        assertThat(now(sessions.receipt(token.id(), token.expiresAt().getEpochSecond())).orElseThrow().state())
                .isEqualTo("expired");
        TokenFacts lastUse = SessionFixtures.withUsesLeft(token, 0);
        now(sessions.open(session(lastUse, epoch()), lastUse, LONG));
        Receipt usedUp = now(sessions.receipt(token.id(), epoch())).orElseThrow();
        assertThat(usedUp.state()).as("the latest session's uses count").isEqualTo("used_up");
        assertThat(usedUp.uses()).isEqualTo(3);
        assertThat(usedUp.sessions()).hasSize(2);
    }

    @Test
    void reservationsStopAtTheLimitOfResponsesUntilSettled() {
        TokenFacts token = token(2);
        assertThat(now(sessions.reserve(token.id(), null, 2L))).contains(0L);
        assertThat(now(sessions.reserve(token.id(), null, 2L))).contains(0L);
        assertThat(now(sessions.reserve(token.id(), null, 2L))).as("two outstanding").isEmpty();
        now(sessions.settle(token, 0, Usage.NONE, DAY, MoneyTurn.count(UsageLimits.NONE, null)));
        assertThat(now(sessions.reserve(token.id(), null, 2L))).as("one given back unused").contains(0L);
        now(sessions.settle(token, 0, response(10), DAY, MoneyTurn.count(UsageLimits.NONE, null)));
        now(sessions.settle(token, 0, Usage.NONE, DAY, MoneyTurn.count(UsageLimits.NONE, null)));
        assertThat(now(sessions.reserve(token.id(), null, 2L))).as("one done, none outstanding").contains(0L);
        assertThat(now(sessions.reserve(token.id(), null, 2L))).as("one done, one outstanding").isEmpty();
        assertThat(now(sessions.usage(token.id()))).isEqualTo(response(10));
        assertThat(now(sessions.day(token.keyId(), DAY))).isEqualTo(response(10));
    }

    @Test
    void aReservationIsCappedAtWhatIsLeftOfTheTokens() {
        TokenFacts token = token(2);
        now(sessions.add(null, token, response(30), DAY));
        assertThat(now(sessions.reserve(token.id(), 100L, null))).contains(70L);
        assertThat(now(sessions.reserve(token.id(), 100L, null))).as("all reserved").isEmpty();
        now(sessions.settle(token, 70L, response(50), DAY, MoneyTurn.count(UsageLimits.NONE, null)));
        assertThat(now(sessions.reserve(token.id(), 100L, null))).contains(20L);
        now(sessions.settle(token, 20L, response(20), DAY, MoneyTurn.count(UsageLimits.NONE, null)));
        assertThat(now(sessions.reserve(token.id(), 100L, 10L))).as("none left").isEmpty();
        assertThat(now(sessions.usage(token.id())).totalTokens()).isEqualTo(100L);
    }

    @Test
    void concurrentReservationsNeverExceedTheLimits() throws Exception {
        TokenFacts token = token(2);
        List<Optional<Long>> granted = atOnce(30, () -> now(sessions.reserve(token.id(), null, 4L)));
        assertThat(granted).filteredOn(Optional::isPresent).hasSize(4);
        TokenFacts capped = token(2);
        List<Optional<Long>> caps = atOnce(30, () -> now(sessions.reserve(capped.id(), 1000L, null)));
        assertThat(caps.stream().flatMap(Optional::stream).mapToLong(Long::longValue).sum()).isEqualTo(1000L);
    }
}

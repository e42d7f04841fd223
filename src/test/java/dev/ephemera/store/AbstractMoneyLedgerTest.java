package dev.ephemera.store;

import static dev.ephemera.store.SessionFixtures.token;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ephemera.secret.Secrets;
import dev.ephemera.session.MoneyTurn;
import dev.ephemera.session.SessionStore;
import dev.ephemera.session.TokenFacts;
import dev.ephemera.session.Usage;
import dev.ephemera.token.UsageLimits;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * The contract of a key's money ledgers (SPEC §11): reservations and spend under the tightest of a token's, its key's
 * (day, month) and its subject's (day) limits, each turn atomic, so that parallel sessions on any replica never
 * reserve together more than is left.
 */
public abstract class AbstractMoneyLedgerTest extends StoreContract {

    private static final LocalDate DAY = LocalDate.now(ZoneOffset.UTC);

    private final SessionStore sessions;

    protected AbstractMoneyLedgerTest(SessionStore sessions, Consumer<Duration> time) {
        super(time);
        this.sessions = sessions;
    }

    private static Usage costing(long micros) {
        return Usage.ofResponse(10, 10, 20, 0, 0, 0).costing(micros);
    }

    private long reserve(TokenFacts token, UsageLimits limits, long release, long atLeast, long atMost) {
        return now(sessions.reserveMoney(token, new MoneyTurn(limits, null, release, DAY, atLeast, atMost), DAY));
    }

    @Test
    void aReservationIsTheLeastOfWhatIsLeftAndWhatIsAskedAndRefusedBelowTheLeast() {
        TokenFacts token = token(3);
        UsageLimits limits = UsageLimits.NONE.withMaxCost(1_000L);
        assertThat(reserve(token, limits, 0, 100, 600)).isEqualTo(600);
        assertThat(reserve(token, limits, 0, 100, 600)).isEqualTo(400);
        assertThat(reserve(token, limits, 0, 1, 600)).isEqualTo(-1);
        // Spent 250 of the first 600, the rest given back, and a new grant asked for in the same turn.
        SessionStore.Added added = now(sessions.add(null, token, costing(250), DAY,
                new MoneyTurn(limits, null, 600, DAY, 1, 500)));
        assertThat(added.granted()).isEqualTo(1_000 - 250 - 400);
        assertThat(added.tokenTotal().costMicros()).isEqualTo(250);
    }

    @Test
    void theKeysDayMonthAndSubjectBudgetsHoldForEveryTokenOfTheKey() {
        String key = "key_" + Secrets.randomBase62(16);
        TokenFacts first = token(key, 3);
        TokenFacts second = token(key, 3);
        UsageLimits day = UsageLimits.NONE.withKeyBudgets(500L, null);
        now(sessions.add(null, first, costing(300), DAY, MoneyTurn.count(day, null)));
        assertThat(reserve(second, day, 0, 1, 1_000)).isEqualTo(200);
        assertThat(now(sessions.moneyLeft(key, null, day, DAY))).isZero();
        UsageLimits month = UsageLimits.NONE.withKeyBudgets(null, 600L);
        assertThat(now(sessions.moneyLeft(key, null, month, DAY))).isEqualTo(600 - 300 - 200);
        UsageLimits subject = UsageLimits.NONE.withSubjectBudget(100L);
        now(sessions.add(null, first, costing(60), DAY, MoneyTurn.count(subject, null)));
        assertThat(now(sessions.moneyLeft(key, first.subject(), subject, DAY))).isEqualTo(40);
        assertThat(now(sessions.moneyLeft(key, "someone-else", subject, DAY))).isEqualTo(100);
    }

    @Test
    void parallelReservationsNeverTakeMoreThanIsLeft() throws Exception {
        TokenFacts token = token(3);
        UsageLimits limits = UsageLimits.NONE.withMaxCost(10_000L).withKeyBudgets(7_000L, null);
        List<Long> grants = atOnce(40, () -> reserve(token, limits, 0, 300, 300));
        assertThat(grants.stream().filter(g -> g > 0).mapToLong(Long::longValue).sum()).isEqualTo(6_900);
        assertThat(grants).containsOnly(300L, -1L);
    }

    @Test
    void theUsageIsKeptPerDayAndGroupForTheUsageReport() {
        TokenFacts token = token(3);
        now(sessions.add(null, token, costing(11_200), DAY, MoneyTurn.count(UsageLimits.NONE, "gpt-realtime-2")));
        now(sessions.add(null, token, costing(100), DAY, MoneyTurn.count(UsageLimits.NONE, null)));
        assertThat(now(sessions.keysUsing(DAY))).contains(token.keyId());
        List<SessionStore.GroupUsage> groups = now(sessions.dayGroups(token.keyId(), DAY));
        assertThat(groups).extracting(SessionStore.GroupUsage::model, g -> g.usage().costMicros(),
                SessionStore.GroupUsage::subject).containsExactlyInAnyOrder(
                        org.assertj.core.groups.Tuple.tuple("gpt-realtime", 100L, token.subject()),
                        org.assertj.core.groups.Tuple.tuple("gpt-realtime-2", 11_200L, token.subject()));
        assertThat(now(sessions.day(token.keyId(), DAY)).costMicros()).isEqualTo(11_300);
    }
}

package dev.ephemera.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ephemera.secret.Secrets;
import dev.ephemera.session.CallStore;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * The {@link CallStore} contract: a call whose lease ended before {@code now} is handed to exactly one caller and
 * forgotten; holding again renews; a dropped call is never handed out; a call's description is kept at most
 * {@code longest}. The stores keep one list of calls, so each test starts from an empty store.
 */
public abstract class AbstractCallStoreTest extends StoreContract {

    private static final Duration LONGEST = Duration.ofHours(1);

    private final CallStore calls;

    /** The contract run on {@code calls}, whose time passes by {@code time}. */
    protected AbstractCallStoreTest(CallStore calls, Consumer<Duration> time) {
        super(time);
        this.calls = calls;
    }

    private static final Instant T = Instant.now().truncatedTo(ChronoUnit.MILLIS);

    private static String session() {
        return "ses_" + Secrets.randomBase62(16);
    }

    @Test
    void aLapsedCallIsHandedOutOnceFromTheEndOfItsLeaseOn() {
        String id = session();
        now(calls.hold(id, "call " + id, T, LONGEST));
        assertThat(now(calls.orphaned(T.minusMillis(1), 10))).isEmpty();
        assertThat(now(calls.orphaned(T, 10))).as("a lease ending now has not ended before now").isEmpty();
        assertThat(now(calls.orphaned(T.plusMillis(1), 10))).containsExactly("call " + id);
        assertThat(now(calls.orphaned(T.plusSeconds(60), 10))).isEmpty();
    }

    @Test
    void holdingAgainRenewsTheLease() {
        String id = session();
        now(calls.hold(id, "first", T, LONGEST));
        now(calls.hold(id, "second", T.plusSeconds(30), LONGEST));
        assertThat(now(calls.orphaned(T.plusSeconds(1), 10))).isEmpty();
        assertThat(now(calls.orphaned(T.plusSeconds(31), 10))).containsExactly("second");
    }

    @Test
    void aDroppedCallIsNeverHandedOut() {
        String dropped = session();
        String kept = session();
        now(calls.hold(dropped, "dropped", T, LONGEST));
        now(calls.hold(kept, "kept", T, LONGEST));
        now(calls.drop(dropped));
        now(calls.drop(dropped));
        now(calls.drop(session()));
        assertThat(now(calls.orphaned(T.plusSeconds(1), 10))).containsExactly("kept");
    }

    @Test
    void atMostMaxCallsAreTakenAtATime() {
        for (int i = 0; i < 3; i++) {
            now(calls.hold(session(), "call " + i, T, LONGEST));
        }
        List<String> first = now(calls.orphaned(T.plusSeconds(1), 2));
        assertThat(first).hasSize(2);
        List<String> rest = now(calls.orphaned(T.plusSeconds(1), 2));
        assertThat(rest).hasSize(1).doesNotContainAnyElementsOf(first);
    }

    @Test
    void aDescriptionIsKeptAtMostTheLongestACallMayLast() {
        now(calls.hold(session(), "outlived", T, Duration.ofMillis(500)));
        elapse(Duration.ofMillis(700));
        assertThat(now(calls.orphaned(T.plusSeconds(1), 10))).isEmpty();
    }

    @Test
    void concurrentCallersEachTakeALapsedCallOnce() throws Exception {
        List<String> held = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            held.add("call " + i);
            now(calls.hold(session(), "call " + i, T, LONGEST));
        }
        List<List<String>> taken = atOnce(8, () -> now(calls.orphaned(T.plusSeconds(1), 3)));
        List<String> all = new ArrayList<>(taken.stream().flatMap(List::stream).toList());
        // A caller that lost every race answers fewer than it could: what is left is taken after.
        all.addAll(now(calls.orphaned(T.plusSeconds(1), 12)));
        assertThat(all).containsExactlyInAnyOrderElementsOf(held);
    }
}

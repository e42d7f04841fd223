package dev.ephemera.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ephemera.ratelimit.SessionPlaceStore;
import dev.ephemera.secret.Secrets;
import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * The {@link SessionPlaceStore} contract: a key holds at most {@code max} unexpired places, each session its own; a
 * refusal takes nothing; a place expires after its lease unless renewed; a renewal never brings a place back; a
 * close is idempotent; concurrent opens never take more places than the maximum.
 */
public abstract class AbstractSessionPlaceStoreTest extends StoreContract {

    private static final Duration LONG = Duration.ofMinutes(5);

    private final SessionPlaceStore counter;

    /** The contract run on {@code counter}, whose time passes by {@code time}. */
    protected AbstractSessionPlaceStoreTest(SessionPlaceStore counter, Consumer<Duration> time) {
        super(time);
        this.counter = counter;
    }

    private static String key() {
        return "key_" + Secrets.randomBase62(16);
    }

    @Test
    void aKeyHoldsAtMostItsMaximumAndARefusalTakesNothing() {
        String key = key();
        assertThat(now(counter.open(key, "ses_a", 2, LONG))).isTrue();
        assertThat(now(counter.open(key, "ses_b", 2, LONG))).isTrue();
        assertThat(now(counter.open(key, "ses_c", 2, LONG))).isFalse();
        assertThat(now(counter.open(key(), "ses_c", 2, LONG))).as("another key's places").isTrue();
        now(counter.close(key, "ses_a"));
        assertThat(now(counter.open(key, "ses_d", 2, LONG))).isTrue();
        assertThat(now(counter.open(key, "ses_e", 2, LONG))).isFalse();
    }

    @Test
    void closeIsIdempotentAndGivesBackOnlyItsOwnPlace() {
        String key = key();
        now(counter.open(key, "ses_a", 2, LONG));
        now(counter.open(key, "ses_b", 2, LONG));
        now(counter.close(key, "ses_a"));
        now(counter.close(key, "ses_a"));
        now(counter.close(key, "ses_unknown"));
        now(counter.close(key(), "ses_b"));
        assertThat(now(counter.open(key, "ses_c", 2, LONG))).isTrue();
        assertThat(now(counter.open(key, "ses_d", 2, LONG))).as("ses_b still holds its place").isFalse();
    }

    @Test
    void aPlaceExpiresAfterItsLeaseUnlessRenewed() {
        String key = key();
        Duration lease = Duration.ofMillis(1500);
        now(counter.open(key, "ses_renewed", 2, lease));
        now(counter.open(key, "ses_lapsing", 2, lease));
        elapse(Duration.ofMillis(900));
        now(counter.renew(key, "ses_renewed", lease));
        elapse(Duration.ofMillis(900));
        assertThat(now(counter.open(key, "ses_new", 2, lease))).as("the lapsed place is free").isTrue();
        assertThat(now(counter.open(key, "ses_more", 2, lease))).as("the renewed place is held").isFalse();
    }

    @Test
    void aRenewalDoesNotBringBackAPlaceThatIsGone() {
        String key = key();
        Duration lease = Duration.ofMillis(500);
        now(counter.open(key, "ses_closed", 2, LONG));
        now(counter.close(key, "ses_closed"));
        now(counter.renew(key, "ses_closed", LONG));
        now(counter.open(key, "ses_lapsed", 2, lease));
        elapse(lease.plusMillis(150));
        now(counter.renew(key, "ses_lapsed", LONG));
        now(counter.renew(key(), "ses_never", LONG));
        assertThat(now(counter.open(key, "ses_x", 2, LONG))).isTrue();
        assertThat(now(counter.open(key, "ses_y", 2, LONG))).isTrue();
        assertThat(now(counter.open(key, "ses_z", 2, LONG))).isFalse();
    }

    @Test
    void concurrentOpensNeverTakeMoreThanTheMaximum() throws Exception {
        String key = key();
        List<Boolean> taken = atOnce(40, () -> now(counter.open(key, "ses_" + Secrets.randomBase62(12), 5, LONG)));
        assertThat(taken).filteredOn(t -> t).hasSize(5);
    }
}

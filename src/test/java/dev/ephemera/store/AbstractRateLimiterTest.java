package dev.ephemera.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ephemera.ratelimit.RateLimiter.Decision;
import dev.ephemera.ratelimit.RateLimiter;
import dev.ephemera.secret.Secrets;
import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * The {@link RateLimiter} contract: fixed windows opened by a subject's first request, {@code limit} requests
 * passing in each, one atomic step per request, whatever the number of concurrent callers.
 */
public abstract class AbstractRateLimiterTest extends StoreContract {

    private static final Duration WINDOW = Duration.ofSeconds(1);

    private final RateLimiter limiter;

    /** The contract run on {@code limiter}, whose time passes by {@code time}. */
    protected AbstractRateLimiterTest(RateLimiter limiter, Consumer<Duration> time) {
        super(time);
        this.limiter = limiter;
    }

    private static String subject() {
        return "key:key_" + Secrets.randomBase62(16);
    }

    @Test
    void limitRequestsPassInAWindowAndTheNextIsRefused() {
        String subject = subject();
        for (int i = 1; i <= 3; i++) {
            Decision d = now(limiter.acquire(subject, 3, WINDOW));
            assertThat(d.allowed()).isTrue();
            assertThat(d.limit()).isEqualTo(3);
            assertThat(d.remaining()).isEqualTo(3 - i);
            assertThat(d.resetAfter()).isPositive().isLessThanOrEqualTo(WINDOW);
        }
        Decision refused = now(limiter.acquire(subject, 3, WINDOW));
        assertThat(refused.allowed()).isFalse();
        assertThat(refused.remaining()).isZero();
        assertThat(refused.resetAfter()).isPositive().isLessThanOrEqualTo(WINDOW);
    }

    @Test
    void eachSubjectHasAWindowOfItsOwn() {
        String full = subject();
        now(limiter.acquire(full, 1, WINDOW));
        assertThat(now(limiter.acquire(full, 1, WINDOW)).allowed()).isFalse();
        assertThat(now(limiter.acquire(subject(), 1, WINDOW)).allowed()).isTrue();
    }

    @Test
    void aNewWindowOpensOnceTheFirstHasPassed() {
        String subject = subject();
        now(limiter.acquire(subject, 1, WINDOW));
        assertThat(now(limiter.acquire(subject, 1, WINDOW)).allowed()).isFalse();
        elapse(WINDOW.plusMillis(150));
        Decision fresh = now(limiter.acquire(subject, 1, WINDOW));
        assertThat(fresh.allowed()).isTrue();
        assertThat(fresh.remaining()).isZero();
    }

    @Test
    void concurrentRequestsNeverPassMoreThanTheLimit() throws Exception {
        String subject = subject();
        List<Decision> decisions = atOnce(40, () -> now(limiter.acquire(subject, 7, Duration.ofMinutes(1))));
        assertThat(decisions).filteredOn(Decision::allowed).hasSize(7);
        assertThat(decisions).extracting(Decision::remaining).filteredOn(r -> r > 0).doesNotHaveDuplicates();
    }
}

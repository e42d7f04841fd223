package dev.ephemera.store.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ephemera.metrics.BrokerMetrics;
import dev.ephemera.session.LiveSession;
import dev.ephemera.session.SessionStore.Added;
import dev.ephemera.session.TokenFacts;
import dev.ephemera.store.SessionFixtures;
import dev.ephemera.support.MutableClock;
import dev.ephemera.support.TestRedis;
import java.time.Duration;
import java.time.LocalDate;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** What only the Redis session store can get wrong: whose clock a lease starts from, scripts Redis forgot. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RedisSessionStoreTest {

    private final MutableClock clock = new MutableClock();
    private RedisConnector connector;
    private RedisSessionStore store;

    @BeforeAll
    void connect() {
        connector = new RedisConnector(RedisEndpoint.of(TestRedis.ownUri(), List.of(), Duration.ofSeconds(1)),
                RedisStoresTest.SETTINGS, List.of(), BrokerMetrics.none());
        store = new RedisSessionStore(connector, RedisStoresTest.JSON, clock);
    }

    @AfterAll
    void close() {
        connector.close();
    }

    private static <T> T now(java.util.concurrent.CompletionStage<T> stage) {
        return stage.toCompletableFuture().join();
    }

    /** The lease of a session is counted from the broker's clock (the one tests move), not the JVM's. */
    @Test
    void aSessionsLeaseEndsALeaseAfterTheBrokersClock() {
        clock.advance(Duration.ofHours(1));
        TokenFacts token = SessionFixtures.token(1);
        LiveSession s = SessionFixtures.session(token, 1L);
        now(store.open(s, token, Duration.ofSeconds(10)));
        long ttl = now(connector.<Long>callAsync(r -> r.pttl(RedisSessionStore.liveKey(s.id()))));
        assertThat(ttl).isBetween(Duration.ofMinutes(60).toMillis(), Duration.ofMinutes(61).toMillis());
    }

    /**
     * After a restart or SCRIPT FLUSH the connector loads the scripts and sends a pipeline again: open, add and
     * renew answer from that second sending (they read the first one's failed answers, and failed once).
     */
    @Test
    void scriptsRedisForgotAreLoadedAndTheAnswersAreTheSecondSendings() {
        TokenFacts token = SessionFixtures.token(1);
        LiveSession s = SessionFixtures.session(token, 1L);
        forgetScripts();
        assertThat(now(store.open(s, token, Duration.ofMinutes(1)))).isEmpty();
        forgetScripts();
        assertThat(now(store.add(s.id(), token, SessionFixtures.response(10), LocalDate.of(2026, 1, 2))))
                .isEqualTo(new Added(SessionFixtures.response(10), null));
        now(store.requestEnd(s.id(), "killed"));
        forgetScripts();
        assertThat(now(store.renew(List.of(s.id()), Duration.ofMinutes(1))).get(s.id()).reason())
                .isEqualTo("killed");
    }

    private void forgetScripts() {
        assertThat(now(connector.<String>callAsync(r -> r.scriptFlush()))).isEqualTo("OK");
    }
}

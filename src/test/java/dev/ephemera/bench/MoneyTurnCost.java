package dev.ephemera.bench;

import dev.ephemera.session.MoneyTurn;
import dev.ephemera.session.SessionStore;
import dev.ephemera.session.TokenFacts;
import dev.ephemera.session.Usage;
import dev.ephemera.support.Broker;
import dev.ephemera.support.TestRedis;
import dev.ephemera.token.UsageLimits;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.function.IntFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a money cap costs each response in Redis (issue 30), on a Redis of its own: the usage of one response counted
 * as before (no money limit: receipt and key's day, one pipelined round trip), counted with a money turn (the same
 * round trip, its day script also giving back and reserving under a token's, key's and subject's limits), and an HTTP
 * request's reservation before it is sent (one round trip of its own); each timed one after another, and the
 * operations each makes counted with {@code MONITOR}. Not a test: run it as bench/README.md says for
 * {@code RelayLatency}.
 */
public final class MoneyTurnCost {

    private static final Logger LOG = LoggerFactory.getLogger(MoneyTurnCost.class);
    private static final int WARM = 5_000;
    private static final int TIMED = 20_000;

    private MoneyTurnCost() {
    }

    public static void main(String[] args) throws Exception {
        String redis = TestRedis.startLocal(TestRedis.serverBinary());
        try (Broker broker = Broker.onRedis(redis, Map.of()); MonitorTap tap = new MonitorTap(redis)) {
            SessionStore store = broker.context().getBean(SessionStore.class);
            LocalDate day = LocalDate.now(ZoneOffset.UTC);
            Instant now = Instant.now();
            TokenFacts token = new TokenFacts("tok_bench", "key_bench", "openai", "gpt-realtime", "user-1", null,
                    "opaque", 1, 0, now, now.plusSeconds(600));
            Usage response = Usage.ofResponse(1_000, 300, 1_300, 500, 600, 240, 300, 0).costing(11_200);
            UsageLimits limits = UsageLimits.NONE.withMaxCost(Long.MAX_VALUE / 4)
                    .withKeyBudgets(Long.MAX_VALUE / 4, Long.MAX_VALUE / 4).withSubjectBudget(Long.MAX_VALUE / 4);
            MoneyTurn count = MoneyTurn.count(UsageLimits.NONE, null);
            MoneyTurn turn = new MoneyTurn(limits, null, 300_000, day, 1, 300_000);
            MoneyTurn reserve = new MoneyTurn(limits, null, 0, day, 1, 300_000);
            run(tap, "response counted, no money limit", i -> store.add(null, token, response, day, count));
            run(tap, "response counted with its money turn", i -> store.add(null, token, response, day, turn));
            run(tap, "HTTP request's reservation", i -> store.reserveMoney(token, reserve, day));
        }
    }

    private static void run(MonitorTap tap, String what, IntFunction<CompletionStage<?>> call) throws Exception {
        for (int i = 0; i < WARM; i++) {
            call.apply(i).toCompletableFuture().join();
        }
        int from = tap.mark();
        call.apply(0).toCompletableFuture().join();
        Thread.sleep(300);
        List<MonitorTap.Line> one = tap.between(from, tap.mark());
        long commands = one.stream().filter(l -> !l.lua()).count();
        long operations = one.size();
        long[] nanos = new long[TIMED];
        for (int i = 0; i < TIMED; i++) {
            long t0 = System.nanoTime();
            call.apply(i).toCompletableFuture().join();
            nanos[i] = System.nanoTime() - t0;
        }
        long[] sorted = Samples.log(LOG, what, nanos);
        LOG.info("{}: {} commands, {} operations in Redis; median {} µs, p99 {} µs", what, commands, operations,
                Samples.at(sorted, 50) / 1_000, Samples.at(sorted, 99) / 1_000);
    }
}

package dev.ephemera.store.memory;

import dev.ephemera.session.MoneyTurn;
import dev.ephemera.session.SessionStore;
import dev.ephemera.session.TokenFacts;
import dev.ephemera.session.Usage;
import dev.ephemera.token.UsageLimits;
import io.micronaut.core.annotation.Nullable;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A key's ledgers of money and its usage per group, in one broker's memory, as {@code store.redis}'s
 * {@code money.lua} keeps them in Redis: spend and reservations per key day, key month, subject day and token, each
 * turn one atomic step (the whole ledger is locked; one broker has no Cluster to spread over).
 */
final class InMemoryMoney {

    /** Spend and reservations of one ledger. */
    private static final class Ledger {
        private long spent;
        private long reserved;

        private long held() {
            return spent + Math.max(0, reserved);
        }
    }

    private final Map<String, Ledger> ledgers = new HashMap<>();
    private final Map<String, Usage> groups = new HashMap<>();
    private final Map<LocalDate, Set<String>> keysByDay = new HashMap<>();

    /** {@code usage} counted and {@code turn} made: what was reserved, as {@code money.lua} answers it. */
    synchronized long turn(TokenFacts token, Usage usage, MoneyTurn turn, LocalDate day) {
        UsageLimits limits = turn.limits();
        String key = token.keyId();
        boolean subject = limits.subjectMicrosPerDay() != null && token.subject() != null;
        boolean own = limits.maxCostMicros() != null;
        if (!usage.isNone()) {
            keysByDay.computeIfAbsent(day, d -> new LinkedHashSet<>()).add(key);
            String model = turn.model() != null ? turn.model() : token.model();
            groups.merge(String.join("\t", key, day.toString(), token.provider(), text(model),
                    text(token.subject())), usage, Usage::plus);
        }
        long cost = usage.costMicros();
        ledger("day", key, day.toString()).spent += cost;
        ledger("month", key, day.toString().substring(0, 7)).spent += cost;
        if (subject) {
            ledger("subject", key, token.subject() + "\n" + day).spent += cost;
        }
        if (own) {
            ledger("token", key, token.id()).spent += cost;
        }
        long release = turn.release();
        if (release > 0) {
            ledger("day", key, turn.releaseDay().toString()).reserved -= release;
            if (subject) {
                ledger("subject", key, token.subject() + "\n" + turn.releaseDay()).reserved -= release;
            }
            if (own) {
                ledger("token", key, token.id()).reserved -= release;
            }
        }
        if (turn.atMost() == 0) {
            return 0;
        }
        long left = turn.atMost() > 0 ? turn.atMost() : Long.MAX_VALUE;
        left = under(left, limits.maxCostMicros(), own ? ledger("token", key, token.id()).held() : 0);
        Ledger today = ledger("day", key, day.toString());
        left = under(left, limits.keyMicrosPerDay(), today.held());
        left = under(left, limits.keyMicrosPerMonth(), ledger("month", key, day.toString().substring(0, 7)).spent
                + Math.max(0, today.reserved));
        left = under(left, limits.subjectMicrosPerDay(),
                subject ? ledger("subject", key, token.subject() + "\n" + day).held() : 0);
        if (turn.atMost() < 0) {
            return Math.max(0, left);
        }
        if (left < turn.atLeast() || left <= 0) {
            return -1;
        }
        today.reserved += left;
        if (subject) {
            ledger("subject", key, token.subject() + "\n" + day).reserved += left;
        }
        if (own) {
            ledger("token", key, token.id()).reserved += left;
        }
        return left;
    }

    private static long under(long left, @Nullable Long limit, long used) {
        return limit == null ? left : Math.min(left, limit - used);
    }

    private Ledger ledger(String kind, String key, String which) {
        return ledgers.computeIfAbsent(kind + " " + key + " " + which, k -> new Ledger());
    }

    private static String text(@Nullable String value) {
        return value == null ? "" : value;
    }

    synchronized List<String> keysUsing(LocalDate day) {
        return List.copyOf(keysByDay.getOrDefault(day, Set.of()));
    }

    synchronized List<SessionStore.GroupUsage> dayGroups(String keyId, LocalDate day) {
        List<SessionStore.GroupUsage> out = new ArrayList<>();
        groups.forEach((group, usage) -> {
            String[] p = group.split("\t", -1);
            if (p[0].equals(keyId) && p[1].equals(day.toString())) {
                out.add(new SessionStore.GroupUsage(keyId, day, p[2], p[3], p[4], usage));
            }
        });
        return out;
    }

    /** Forgets the days before {@code oldest}. */
    synchronized void forgetBefore(LocalDate oldest) {
        keysByDay.keySet().removeIf(day -> day.isBefore(oldest));
        groups.keySet().removeIf(group -> LocalDate.parse(group.split("\t", -1)[1]).isBefore(oldest));
    }
}

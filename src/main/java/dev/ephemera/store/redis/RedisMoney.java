package dev.ephemera.store.redis;

import dev.ephemera.secret.Secrets;
import dev.ephemera.session.MoneyTurn;
import dev.ephemera.session.SessionStore;
import dev.ephemera.session.TokenFacts;
import dev.ephemera.session.Usage;
import dev.ephemera.token.UsageLimits;
import io.lettuce.core.ScriptOutputType;
import io.micronaut.core.annotation.Nullable;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletionStage;

/**
 * The keys and arguments of {@code money.lua}: a key's ledgers, all under the hash tag of its id so that one script
 * adds a response's usage and turns its money on one Cluster node (SPEC §11):
 * <ul>
 *   <li>{@code eph:day:{<keyId>}:<date>}: the key's usage counts of one UTC day, the same counts per provider, model
 *       and subject (fields {@code <provider>\t<model>\t<subject>\t<count>}, for {@code /v1/usage}), and the money
 *       reserved that day ({@code reserved_micros});</li>
 *   <li>{@code eph:month:{<keyId>}:<yyyy-mm>}: the key's spend of one UTC month;</li>
 *   <li>{@code eph:sday:{<keyId>}:<sha256(subject)>:<date>}: a subject's spend and reservations of one day;</li>
 *   <li>{@code eph:tspend:{<keyId>}:<tokenId>}: a token's spend and reservations, under its own money limit.</li>
 * </ul>
 * Reservations are held on the day they were made and given back there, so a replica that dies holding one leaves
 * it to the end of that day at most.
 */
final class RedisMoney {

    static final RedisScript SCRIPT = new RedisScript("money.lua");

    private final RedisConnector redis;

    RedisMoney(RedisConnector redis) {
        this.redis = redis;
    }

    /** What {@code money.lua} answered reserved; a key's first usage of a day is listed for {@code /v1/usage}. */
    long answer(List<Object> answer, String keyId, LocalDate day) {
        if (((Long) answer.get(1)) == 1L) {
            String list = usersKey(day);
            redis.pipelineAsync(r -> List.of(r.sadd(list, keyId),
                    r.pexpire(list, SessionStore.USAGE_RETENTION.toMillis())));
        }
        return (Long) answer.get(0);
    }

    private static String usersKey(LocalDate day) {
        return "eph:usage-keys:" + day;
    }

    CompletionStage<Long> reserve(TokenFacts token, MoneyTurn turn, LocalDate day) {
        return redis.<List<Object>>callAsync(r -> SCRIPT.runAsync(r, ScriptOutputType.MULTI,
                keys(token, day, turn.releaseDay()), args(token, Usage.NONE, turn)))
                .thenApply(answer -> answer(answer, token.keyId(), day));
    }

    CompletionStage<List<String>> keysUsing(LocalDate day) {
        return redis.<Set<String>>callAsync(r -> r.smembers(usersKey(day))).thenApply(List::copyOf);
    }

    /** A key's day, its group fields ({@code provider\tmodel\tsubject\tcount}) gathered per group. */
    CompletionStage<List<SessionStore.GroupUsage>> dayGroups(String keyId, LocalDate day) {
        return redis.<Map<String, String>>callAsync(r -> r.hgetall(dayKey(keyId, day))).thenApply(fields -> {
            Map<String, Map<String, String>> groups = new TreeMap<>();
            fields.forEach((name, value) -> {
                int last = name.lastIndexOf('\t');
                if (last > 0) {
                    groups.computeIfAbsent(name.substring(0, last), g -> new HashMap<>())
                            .put(name.substring(last + 1), value);
                }
            });
            List<SessionStore.GroupUsage> out = new ArrayList<>();
            groups.forEach((group, counts) -> {
                String[] parts = group.split("\t", -1);
                if (parts.length == 3) {
                    out.add(new SessionStore.GroupUsage(keyId, day, parts[0], parts[1], parts[2], Usage.of(counts)));
                }
            });
            return out;
        });
    }

    static String dayKey(String keyId, LocalDate day) {
        return "eph:day:{" + keyId + "}:" + day;
    }

    static String monthKey(String keyId, LocalDate day) {
        return "eph:month:{" + keyId + "}:" + day.toString().substring(0, 7);
    }

    static String subjectKey(String keyId, @Nullable String subject, LocalDate day) {
        return "eph:sday:{" + keyId + "}:" + (subject == null ? "-" : Secrets.sha256Hex(subject)) + ":" + day;
    }

    static String tokenKey(String keyId, String tokenId) {
        return "eph:tspend:{" + keyId + "}:" + tokenId;
    }

    static String[] keys(TokenFacts token, LocalDate day, LocalDate releaseDay) {
        return new String[] {dayKey(token.keyId(), day), monthKey(token.keyId(), day),
            subjectKey(token.keyId(), token.subject(), day), tokenKey(token.keyId(), token.id()),
            dayKey(token.keyId(), releaseDay), subjectKey(token.keyId(), token.subject(), releaseDay)};
    }

    /** The script's arguments for {@code usage} (may be none) and {@code turn}. */
    static String[] args(TokenFacts token, Usage usage, MoneyTurn turn) {
        UsageLimits limits = turn.limits();
        List<String> args = new ArrayList<>(List.of(Long.toString(SessionStore.USAGE_RETENTION.toMillis()),
                Long.toString(SessionStore.RECEIPT_RETENTION.toMillis()),
                limits.subjectMicrosPerDay() != null && token.subject() != null ? "1" : "0",
                limits.maxCostMicros() != null ? "1" : "0",
                Long.toString(turn.release()), Long.toString(turn.atLeast()), Long.toString(turn.atMost()),
                text(limits.maxCostMicros()), text(limits.keyMicrosPerDay()), text(limits.keyMicrosPerMonth()),
                text(limits.subjectMicrosPerDay()), group(token, turn.model()), Integer.toString(Usage.FIELDS.length)));
        args.addAll(List.of(Usage.FIELDS));
        for (long count : usage.counts()) {
            args.add(Long.toString(count));
        }
        return args.toArray(String[]::new);
    }

    /** The usage's group on the day's ledger: provider, model and subject, none holding a tab or a line break. */
    static String group(TokenFacts token, @Nullable String model) {
        return clean(token.provider()) + "\t" + clean(model != null ? model : token.model()) + "\t"
                + clean(token.subject());
    }

    private static String clean(@Nullable String value) {
        return value == null ? "" : value.replace('\t', ' ').replace('\n', ' ').replace('\r', ' ');
    }

    private static String text(@Nullable Long value) {
        return value == null ? "" : value.toString();
    }
}

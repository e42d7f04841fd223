package dev.ephemera.session;

import dev.ephemera.auth.Caller;
import dev.ephemera.auth.Permission;
import dev.ephemera.error.BrokerException;
import dev.ephemera.error.ErrorCode;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.MediaType;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.security.annotation.Secured;
import io.micronaut.security.authentication.Authentication;
import java.time.Clock;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * {@code GET /v1/usage} (SPEC §5, §11): tokens and money used per UTC day, summed and grouped ({@link UsageQuery},
 * {@link UsageReport}). A caller reads its own key's usage; an admin reads any key's, or every key's. The work is
 * bounded by what the caller may see: a key's report reads at most {@link UsageQuery#MAX_DAYS} of its days; an
 * admin's report over every key reads the keys of each day first and is refused when more than {@link #MAX_KEYS}
 * used the broker in the range, before any of their usage is read.
 */
@Controller("/v1/usage")
final class UsageController {

    /** The most keys one report over every key may sum. */
    static final int MAX_KEYS = 1_000;

    private final SessionStore store;
    private final Clock clock;

    UsageController(SessionStore store, Clock clock) {
        this.store = store;
        this.clock = clock;
    }

    @Get(produces = MediaType.APPLICATION_JSON)
    @Secured(Permission.ROLE_READ)
    CompletionStage<Map<String, Object>> usage(HttpRequest<?> request, Authentication authentication) {
        Caller caller = Caller.of(authentication);
        UsageQuery asked = UsageQuery.parse(request.getParameters().asMap(),
                LocalDate.ofInstant(clock.instant(), ZoneOffset.UTC));
        boolean admin = caller.has(Permission.ADMIN);
        if (!admin && asked.key() != null && !asked.key().equals(caller.id())) {
            throw new BrokerException(ErrorCode.INSUFFICIENT_PERMISSIONS, "This API key may read only its own "
                    + "usage: leave 'key' out, or ask with an admin key.", "key");
        }
        UsageQuery query = admin ? asked : asked.withKey(caller.id());
        UsageReport report = new UsageReport(query);
        CompletionStage<UsageReport> done = query.key() != null ? ofKey(query.key(), query.days(), report)
                : ofEveryKey(query.days(), report);
        return done.thenApply(r -> Map.of("object", "list", "data", r.rows()));
    }

    /** One key's days, read together (at most {@link UsageQuery#MAX_DAYS}). */
    private CompletionStage<UsageReport> ofKey(String keyId, List<LocalDate> days, UsageReport report) {
        List<CompletableFuture<List<SessionStore.GroupUsage>>> reads = days.stream()
                .map(day -> store.dayGroups(keyId, day).toCompletableFuture()).toList();
        return CompletableFuture.allOf(reads.toArray(new CompletableFuture<?>[0])).thenApply(all -> {
            reads.forEach(read -> report.add(read.join()));
            return report;
        });
    }

    /**
     * Every key's days: the keys of each day first, refused above {@link #MAX_KEYS} in all; then day after day, the
     * usage of that day's keys together, so that at most {@code MAX_KEYS} reads are under way at once.
     */
    private CompletionStage<UsageReport> ofEveryKey(List<LocalDate> days, UsageReport report) {
        List<CompletableFuture<List<String>>> users = days.stream()
                .map(day -> store.keysUsing(day).toCompletableFuture()).toList();
        return CompletableFuture.allOf(users.toArray(new CompletableFuture<?>[0])).thenCompose(all -> {
            Set<String> keys = new LinkedHashSet<>();
            users.forEach(u -> keys.addAll(u.join()));
            if (keys.size() > MAX_KEYS) {
                throw BrokerException.invalid("key", "More than " + MAX_KEYS + " keys used the broker on these days: "
                        + "name one with 'key', or ask for fewer days.");
            }
            CompletionStage<UsageReport> chain = CompletableFuture.completedFuture(report);
            for (int i = 0; i < days.size(); i++) {
                LocalDate day = days.get(i);
                List<String> ofDay = users.get(i).join().stream().distinct().toList();
                chain = chain.thenCompose(r -> {
                    List<CompletableFuture<List<SessionStore.GroupUsage>>> reads = ofDay.stream()
                            .map(k -> store.dayGroups(k, day).toCompletableFuture()).toList();
                    return CompletableFuture.allOf(reads.toArray(new CompletableFuture<?>[0])).thenApply(x -> {
                        reads.forEach(read -> r.add(read.join()));
                        return r;
                    });
                });
            }
            return chain;
        });
    }
}

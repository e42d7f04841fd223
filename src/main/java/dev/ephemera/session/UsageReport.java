package dev.ephemera.session;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonUnwrapped;
import dev.ephemera.session.UsageQuery.GroupBy;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.serde.annotation.Serdeable;
import io.micronaut.serde.config.naming.SnakeCaseStrategy;
import java.time.LocalDate;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The rows of {@code GET /v1/usage} (SPEC §5), summed from the store's groups (one key's usage of one day per
 * provider, model and subject) as they are read: only the groups the query covers, gathered by its
 * {@code group_by} (none: one total row), each row's counts and micro-dollars added exactly, in a fixed order. Holds
 * only the rows, not the groups read, so a report over many keys and days stays as small as its answer. Not
 * thread-safe: groups are added one batch at a time.
 */
final class UsageReport {

    /**
     * One row: the fields of its group (the others null and left out of the JSON; a group's empty model or subject,
     * usage of a token without one, is null too) and the usage summed over it, {@code cost_usd} included.
     */
    @Serdeable.Serializable(naming = SnakeCaseStrategy.class)
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Row(@Nullable LocalDate day, @Nullable String provider, @Nullable String model, @Nullable String keyId,
            @Nullable String subject, @JsonUnwrapped Usage usage) {
    }

    /** A row's group, in the order rows are listed: by day, provider, model, key, subject; absent first. */
    private record Group(@Nullable LocalDate day, @Nullable String provider, @Nullable String model,
            @Nullable String keyId, @Nullable String subject) {

        private static final Comparator<Group> ORDER = Comparator
                .comparing(Group::day, Comparator.nullsFirst(Comparator.<LocalDate>naturalOrder()))
                .thenComparing(Group::provider, Comparator.nullsFirst(Comparator.<String>naturalOrder()))
                .thenComparing(Group::model, Comparator.nullsFirst(Comparator.<String>naturalOrder()))
                .thenComparing(Group::keyId, Comparator.nullsFirst(Comparator.<String>naturalOrder()))
                .thenComparing(Group::subject, Comparator.nullsFirst(Comparator.<String>naturalOrder()));
    }

    private final UsageQuery query;
    private final Map<Group, Usage> rows = new TreeMap<>(Group.ORDER);

    UsageReport(UsageQuery query) {
        this.query = query;
    }

    /** Adds the groups that the query covers to their rows; the others are passed over. */
    UsageReport add(Collection<SessionStore.GroupUsage> groups) {
        for (SessionStore.GroupUsage g : groups) {
            if (query.covers(g) && !g.usage().isNone()) {
                rows.merge(groupOf(g), g.usage(), Usage::plus);
            }
        }
        return this;
    }

    /** The rows so far, in order; none when nothing covered was used. */
    List<Row> rows() {
        return rows.entrySet().stream().map(e -> new Row(e.getKey().day(), e.getKey().provider(), e.getKey().model(),
                e.getKey().keyId(), e.getKey().subject(), e.getValue())).toList();
    }

    private Group groupOf(SessionStore.GroupUsage g) {
        GroupBy by = query.groupBy();
        if (by == null) {
            return new Group(null, null, null, null, null);
        }
        return switch (by) {
            case DAY -> new Group(g.day(), null, null, null, null);
            case MODEL -> new Group(null, g.provider(), orNull(g.model()), null, null);
            case KEY -> new Group(null, null, null, g.keyId(), null);
            case SUBJECT -> new Group(null, null, null, null, orNull(g.subject()));
        };
    }

    /** The store writes an absent model or subject as empty. */
    @Nullable
    private static String orNull(@Nullable String value) {
        return value == null || value.isEmpty() ? null : value;
    }
}

package dev.ephemera.session;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ephemera.session.SessionStore.GroupUsage;
import dev.ephemera.session.UsageQuery.GroupBy;
import dev.ephemera.session.UsageReport.Row;
import java.time.LocalDate;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@code /v1/usage}'s sums (SPEC §5): the store's groups gathered by day, model, key or subject, or into one total;
 * only those the query covers; counts and micro-dollars added exactly, and the cost shown with six digits.
 */
class UsageReportTest {

    private static final LocalDate D1 = LocalDate.of(2025, 3, 1);
    private static final LocalDate D2 = LocalDate.of(2025, 3, 2);
    private static final LocalDate D3 = LocalDate.of(2025, 3, 3);

    /** Two keys over three days, two providers, three models, a subject and none; costs that a double would blur. */
    private static final List<GroupUsage> GROUPS = List.of(
            group("key_A", D1, "openai", "gpt-realtime", "alice", 100, 10, 100_001),
            group("key_A", D1, "openai", "gpt-4o", "", 7, 3, 1),
            group("key_A", D2, "openai", "gpt-realtime", "bob", 50, 5, 200_002),
            group("key_B", D2, "anthropic", "claude-x", "alice", 20, 2, 33_333),
            group("key_B", D3, "openai", "gpt-realtime", "alice", 1, 1, 3),
            group("key_A", D3, "openai", "", "", 2, 0, 0));

    private static GroupUsage group(String key, LocalDate day, String provider, String model, String subject,
            long input, long output, long micros) {
        return new GroupUsage(key, day, provider, model, subject,
                Usage.ofResponse(input, output, 0, 0, 0, 0).costing(micros));
    }

    private static UsageQuery query(GroupBy by) {
        return new UsageQuery(null, null, null, null, D1, D3, by);
    }

    private static List<Row> rows(UsageQuery query, List<GroupUsage> groups) {
        return new UsageReport(query).add(groups).rows();
    }

    @Test
    void withoutGroupingOneRowHoldsEveryCountAndTheCostToTheMicroDollar() {
        List<Row> rows = rows(query(null), GROUPS);
        assertThat(rows).hasSize(1);
        Row total = rows.get(0);
        assertThat(total.day()).isNull();
        assertThat(total.keyId()).isNull();
        assertThat(total.usage().inputTokens()).isEqualTo(180);
        assertThat(total.usage().outputTokens()).isEqualTo(21);
        assertThat(total.usage().totalTokens()).isEqualTo(201);
        assertThat(total.usage().responses()).isEqualTo(6);
        assertThat(total.usage().costMicros()).isEqualTo(333_340);
        assertThat(total.usage().costUsd()).isEqualTo("0.333340");
    }

    @Test
    void byDayOneRowPerDayInOrder() {
        assertThat(rows(query(GroupBy.DAY), GROUPS)).extracting(Row::day, r -> r.usage().totalTokens(),
                r -> r.usage().costUsd()).containsExactly(
                        org.assertj.core.groups.Tuple.tuple(D1, 120L, "0.100002"),
                        org.assertj.core.groups.Tuple.tuple(D2, 77L, "0.233335"),
                        org.assertj.core.groups.Tuple.tuple(D3, 4L, "0.000003"));
    }

    @Test
    void byModelOneRowPerProviderAndModelWithAnUnknownModelLeftOut() {
        List<Row> rows = rows(query(GroupBy.MODEL), GROUPS);
        assertThat(rows).extracting(Row::provider, Row::model, r -> r.usage().costMicros()).containsExactly(
                org.assertj.core.groups.Tuple.tuple("anthropic", "claude-x", 33_333L),
                org.assertj.core.groups.Tuple.tuple("openai", null, 0L),
                org.assertj.core.groups.Tuple.tuple("openai", "gpt-4o", 1L),
                org.assertj.core.groups.Tuple.tuple("openai", "gpt-realtime", 300_006L));
        assertThat(rows).allSatisfy(r -> assertThat(r.day()).isNull());
        assertThat(rows).allSatisfy(r -> assertThat(r.subject()).isNull());
    }

    @Test
    void byKeyOneRowPerKey() {
        assertThat(rows(query(GroupBy.KEY), GROUPS)).extracting(Row::keyId, r -> r.usage().inputTokens(),
                r -> r.usage().costUsd()).containsExactly(
                        org.assertj.core.groups.Tuple.tuple("key_A", 159L, "0.300004"),
                        org.assertj.core.groups.Tuple.tuple("key_B", 21L, "0.033336"));
    }

    @Test
    void bySubjectOneRowPerSubjectAndOneForTokensWithout() {
        assertThat(rows(query(GroupBy.SUBJECT), GROUPS)).extracting(Row::subject, r -> r.usage().outputTokens(),
                r -> r.usage().costMicros()).containsExactly(
                        org.assertj.core.groups.Tuple.tuple(null, 3L, 1L),
                        org.assertj.core.groups.Tuple.tuple("alice", 13L, 133_337L),
                        org.assertj.core.groups.Tuple.tuple("bob", 5L, 200_002L));
    }

    @Test
    void filtersAreExactMatchesAndTheKeyAndDaysNarrowToo() {
        UsageQuery alice = new UsageQuery(null, "alice", "openai", "gpt-realtime", D1, D3, GroupBy.KEY);
        assertThat(rows(alice, GROUPS)).extracting(Row::keyId, r -> r.usage().costMicros()).containsExactly(
                org.assertj.core.groups.Tuple.tuple("key_A", 100_001L),
                org.assertj.core.groups.Tuple.tuple("key_B", 3L));
        assertThat(rows(new UsageQuery(null, "ALICE", null, null, D1, D3, null), GROUPS)).isEmpty();
        assertThat(rows(new UsageQuery(null, null, null, "gpt-real", D1, D3, null), GROUPS)).isEmpty();
        assertThat(rows(new UsageQuery(null, null, "open", null, D1, D3, null), GROUPS)).isEmpty();
        UsageQuery keyA = new UsageQuery("key_A", null, null, null, D2, D3, GroupBy.DAY);
        assertThat(rows(keyA, GROUPS)).extracting(Row::day, r -> r.usage().costMicros()).containsExactly(
                org.assertj.core.groups.Tuple.tuple(D2, 200_002L),
                org.assertj.core.groups.Tuple.tuple(D3, 0L));
    }

    @Test
    void nothingCoveredIsNoRowNotAZeroTotal() {
        assertThat(rows(query(null), List.of())).isEmpty();
        assertThat(rows(new UsageQuery("key_C", null, null, null, D1, D3, null), GROUPS)).isEmpty();
        assertThat(rows(query(GroupBy.DAY), List.of(new GroupUsage("key_A", D1, "openai", "m", "", Usage.NONE))))
                .isEmpty();
    }

    @Test
    void batchesAddUpAsOne() {
        UsageReport report = new UsageReport(query(GroupBy.MODEL));
        GROUPS.forEach(g -> report.add(List.of(g)));
        assertThat(report.rows()).isEqualTo(rows(query(GroupBy.MODEL), GROUPS));
    }
}

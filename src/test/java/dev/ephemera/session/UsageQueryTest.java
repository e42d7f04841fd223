package dev.ephemera.session;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ephemera.error.BrokerException;
import dev.ephemera.error.ErrorCode;
import dev.ephemera.session.UsageQuery.GroupBy;
import java.time.LocalDate;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@code /v1/usage}'s query parameters (SPEC §5), read strictly: UTC dates {@code YYYY-MM-DD} that exist, a range of
 * at most 62 days within what the store keeps and not past today, one {@code group_by} of four, filters of the
 * mint's shapes; anything else refused with the parameter named and never quoted.
 */
class UsageQueryTest {

    private static final LocalDate TODAY = LocalDate.of(2025, 6, 15);

    /** Parameters as name, value, name, value…; a name may repeat. */
    private static Map<String, List<String>> params(String... pairs) {
        Map<String, List<String>> params = new HashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            params.computeIfAbsent(pairs[i], n -> new java.util.ArrayList<>()).add(pairs[i + 1]);
        }
        return params;
    }

    private static UsageQuery parse(String... pairs) {
        return UsageQuery.parse(params(pairs), TODAY);
    }

    @Test
    void withoutDatesTodayOnlyAndWithoutGroupingOneTotal() {
        UsageQuery q = parse();
        assertThat(q.days()).containsExactly(TODAY);
        assertThat(q.groupBy()).isNull();
        assertThat(q.key()).isNull();
    }

    @Test
    void fromAloneReachesTodayAndToAloneIsThatDay() {
        assertThat(parse("from", "2025-06-13").days()).containsExactly(LocalDate.of(2025, 6, 13),
                LocalDate.of(2025, 6, 14), TODAY);
        assertThat(parse("to", "2025-06-01").days()).containsExactly(LocalDate.of(2025, 6, 1));
    }

    @Test
    void everyParameterIsRead() {
        UsageQuery q = parse("key", "key_AAAAAAAAAAAAAAAA", "subject", "usér-李 1", "provider", "openai", "model",
                "gpt-realtime", "from", "2025-04-15", "to", "2025-06-15", "group_by", "subject");
        assertThat(q).isEqualTo(new UsageQuery("key_AAAAAAAAAAAAAAAA", "usér-李 1", "openai", "gpt-realtime",
                LocalDate.of(2025, 4, 15), TODAY, GroupBy.SUBJECT));
        assertThat(q.days()).hasSize(62);
        assertThat(Arrays.stream(GroupBy.values()).map(g -> parse("group_by", g.wireName()).groupBy()))
                .containsExactly(GroupBy.values());
    }

    @Test
    void theOldestDayTheStoreKeepsMayBeAsked() {
        assertThat(parse("from", TODAY.minusDays(62).toString(), "to", TODAY.minusDays(1).toString()).days())
                .hasSize(62);
    }

    static Stream<Arguments> refused() {
        return Stream.of(
                Arguments.of("from", params("from", "2025-6-1")),
                Arguments.of("from", params("from", "2025-02-30")),
                Arguments.of("from", params("from", "2025-13-01")),
                Arguments.of("from", params("from", "+2025-06-01")),
                Arguments.of("from", params("from", "２０２５-06-01")),
                Arguments.of("from", params("from", "2025-06-01T00:00:00Z")),
                Arguments.of("from", params("from", "1749945600")),
                Arguments.of("to", params("to", "2025-06-1 ")),
                Arguments.of("to", params("to", "tomorrow")),
                Arguments.of("to", params("to", "2025-06-16")),
                Arguments.of("to", params("from", "2025-06-10", "to", "2025-06-09")),
                Arguments.of("from", params("from", "2025-04-13", "to", "2025-04-14")),
                Arguments.of("from", params("from", "2025-04-14", "to", "2025-06-15")),
                Arguments.of("from", params("from", "")),
                Arguments.of("from", params("from", "2025-06-01", "from", "2025-06-02")),
                Arguments.of("group_by", params("group_by", "week")),
                Arguments.of("group_by", params("group_by", "DAY")),
                Arguments.of("group_by", params("group_by", "day,model")),
                Arguments.of("group_by", params("group_by", "")),
                Arguments.of("group_by", params("group_by", "day", "group_by", "model")),
                Arguments.of("key", params("key", "key_A\nB")),
                Arguments.of("key", params("key", "key_" + "A".repeat(600))),
                Arguments.of("key", params("key", "key_A", "key", "key_B")),
                Arguments.of("subject", params("subject", "a\tb")),
                Arguments.of("subject", params("subject", "s".repeat(257))),
                Arguments.of("provider", params("provider", "OpenAI")),
                Arguments.of("model", params("model", "gpt realtime")),
                Arguments.of(null, params("group-by", "day")),
                Arguments.of(null, params("ephk_secret-looking-name", "x")));
    }

    @ParameterizedTest(name = "{0}: {1}")
    @MethodSource("refused")
    void refusesWhatItCannotReadNamingTheParameterOnly(String param, Map<String, List<String>> params) {
        assertThatThrownBy(() -> UsageQuery.parse(params, TODAY)).isInstanceOfSatisfying(BrokerException.class,
                e -> {
                    assertThat(e.errorCode()).isEqualTo(ErrorCode.INVALID_REQUEST);
                    assertThat(e.param()).isEqualTo(param);
                    params.forEach((name, values) -> values.stream().filter(v -> v.length() > 2)
                            .forEach(v -> assertThat(e.getMessage()).doesNotContain(v)));
                    if (param == null) {
                        assertThat(e.getMessage()).doesNotContain(params.keySet().iterator().next());
                    }
                });
    }
}

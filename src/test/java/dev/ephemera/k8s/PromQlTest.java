package dev.ephemera.k8s;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The metric names read out of PromQL: functions, keywords, labels, strings, numbers and durations are none. */
class PromQlTest {

    static Stream<Arguments> expressions() {
        return Stream.of(
                Arguments.of("ephemera_ready == 0", List.of("ephemera_ready")),
                Arguments.of("sum by (provider, kind) (rate(ephemera_upstream_errors_total{kind!=\"credentials\"}"
                        + "[5m]))", List.of("ephemera_upstream_errors_total")),
                Arguments.of("sum(rate(a_total[5m])) by (code) / ignoring(code) group_left sum(rate(b_total[5m]))",
                        List.of("a_total", "b_total")),
                Arguments.of("x / on (instance) group_left (pod, node) y", List.of("x", "y")),
                Arguments.of("sum without (instance) (up) > bool 1 unless absent(z)", List.of("up", "z")),
                Arguments.of("histogram_quantile(0.99, sum by (le) (rate(h_bucket{le=~\"0.5|1\"}[10m:1m])))",
                        List.of("h_bucket")),
                Arguments.of("a offset 1h30m and b @ 1609746000 or c offset -5m",
                        List.of("a", "b", "c")),
                Arguments.of("ephemera:budget:rate5m + (sum(x) or vector(0)) * 1.5e-3 + Inf - NaN",
                        List.of("ephemera:budget:rate5m", "x")),
                Arguments.of("label_replace(m, \"dst\", \"$1 and by(x) {y}\", \"src\", '(.*)')", List.of("m")),
                Arguments.of("topk(3, m) AND ON(job) n", List.of("m", "n")),
                Arguments.of("sum by (route) (rate(m[$__rate_interval])) / ${divisor} # a comment naming c",
                        List.of("m")),
                Arguments.of("changes(ephemera_ready[10m]) > 4 and 0x1f < count_values(\"v\", w)",
                        List.of("ephemera_ready", "w")));
    }

    @ParameterizedTest
    @MethodSource("expressions")
    void readsOnlyTheMetricNames(String expr, List<String> metrics) {
        assertThat(PromQl.metricNames(expr)).containsExactlyElementsOf(metrics);
    }

    @ParameterizedTest
    @MethodSource("unbalanced")
    void refusesWhatItCannotRead(String expr) {
        assertThatThrownBy(() -> PromQl.metricNames(expr)).isInstanceOf(IllegalArgumentException.class);
    }

    static Stream<String> unbalanced() {
        return Stream.of("rate(m[5m)", "m{a=\"b}", "sum by (a (m)");
    }
}

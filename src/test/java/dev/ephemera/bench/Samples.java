package dev.ephemera.bench;

import java.util.Arrays;
import org.slf4j.Logger;

/** Percentiles of timed samples (nanoseconds), as the benchmarks report them. */
final class Samples {

    private Samples() {
    }

    /** The value at {@code percentile} (0–100) of sorted samples, nearest rank. */
    static long at(long[] sorted, double percentile) {
        int rank = (int) Math.ceil(percentile / 100 * sorted.length);
        return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
    }

    /** Sorts {@code nanos} and logs its count, median, p90, p99 and max in milliseconds. */
    static long[] log(Logger log, String what, long[] nanos) {
        long[] sorted = nanos.clone();
        Arrays.sort(sorted);
        log.info("{}, {} samples: median {} ms, p90 {} ms, p99 {} ms, max {} ms", what, sorted.length,
                ms(at(sorted, 50)), ms(at(sorted, 90)), ms(at(sorted, 99)), ms(sorted[sorted.length - 1]));
        return sorted;
    }

    static String ms(long nanos) {
        return String.format("%.2f", nanos / 1e6);
    }
}

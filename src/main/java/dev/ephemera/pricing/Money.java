package dev.ephemera.pricing;

import java.math.BigDecimal;
import java.math.RoundingMode;

/**
 * Amounts of US dollars as the broker holds them (SPEC §11): whole micro-dollars in a {@code long}, never a floating
 * point number on the way. Read from a decimal string or number with at most six fraction digits (more is refused,
 * never rounded away), written as a decimal string with exactly six ({@code "0.011200"}).
 */
public final class Money {

    /** Micro-dollars in a dollar. */
    public static final long MICROS_PER_USD = 1_000_000L;

    /** The largest amount a limit may name: a billion dollars, far from overflow when amounts are added. */
    public static final long MAX_MICROS = 1_000_000_000L * MICROS_PER_USD;

    private Money() {
    }

    /**
     * {@code usd} in micro-dollars: a plain decimal ({@code "0.50"}, {@code "2"}), no sign, no exponent, at most six
     * fraction digits, at most {@link #MAX_MICROS}.
     *
     * @throws IllegalArgumentException for anything else
     */
    public static long parse(String usd) {
        if (usd.isEmpty() || usd.length() > 32 || !usd.matches("[0-9]+(\\.[0-9]+)?")) {
            throw new IllegalArgumentException("not a plain decimal amount of dollars");
        }
        return micros(new BigDecimal(usd));
    }

    /** {@code usd}, a decimal number as the strict JSON parser read it, in micro-dollars ({@link #parse}'s rules). */
    public static long micros(BigDecimal usd) {
        if (usd.signum() < 0) {
            throw new IllegalArgumentException("a negative amount");
        }
        BigDecimal micros = usd.movePointRight(6);
        if (micros.compareTo(BigDecimal.valueOf(MAX_MICROS)) > 0) {
            throw new IllegalArgumentException("more than " + format(MAX_MICROS) + " dollars");
        }
        try {
            return micros.stripTrailingZeros().longValueExact();
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException("more than six fraction digits");
        }
    }

    /** {@code micros} as dollars with six fraction digits: {@code 11200} is {@code "0.011200"}. */
    public static String format(long micros) {
        return BigDecimal.valueOf(micros, 6).setScale(6, RoundingMode.UNNECESSARY).toPlainString();
    }
}

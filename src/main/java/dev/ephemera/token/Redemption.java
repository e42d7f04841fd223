package dev.ephemera.token;

import io.micronaut.core.annotation.Nullable;

/**
 * The result of one atomic attempt to consume a use of a token.
 *
 * @param record the record after the use was taken ({@link Outcome#REDEEMED}), or as found (other outcomes
 *               where the token exists), or null
 * @param mismatch for {@link Outcome#MISMATCH} (and only then), which binding did not match
 */
public record Redemption(Outcome outcome, @Nullable TokenRecord record, @Nullable Mismatch mismatch) {

    /** Every way a redemption can end. */
    public enum Outcome { REDEEMED, UNKNOWN, EXPIRED, USED_UP, MISMATCH }

    /**
     * Which of a token's bindings a request did not match, in the order the stores check them: the provider, the
     * model, the origin, the endpoints, or its limits against a request whose usage cannot be measured. Its
     * {@link #wireName()} is the audit log's {@code mismatch} and {@code consume.lua}'s answer.
     */
    public enum Mismatch {
        PROVIDER, MODEL, ORIGIN, ENDPOINT, USAGE;

        private final String wireName = WireNames.of(this);

        public String wireName() {
            return wireName;
        }

        /** The mismatch named {@code value}; anything else is an {@link IllegalArgumentException}. */
        public static Mismatch fromWire(String value) {
            return WireNames.parse(Mismatch.class, value);
        }
    }

    public Redemption {
        if ((outcome == Outcome.MISMATCH) != (mismatch != null)) {
            throw new IllegalArgumentException("a mismatch, and only a mismatch, names its binding");
        }
    }

    public static Redemption of(Outcome outcome) {
        return new Redemption(outcome, null, null);
    }
}

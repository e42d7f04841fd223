package dev.ephemera.token;

import io.micronaut.core.annotation.Nullable;

/**
 * The result of one atomic attempt to consume a use of a token.
 *
 * @param record the record after the use was taken ({@link Outcome#REDEEMED}), or as found (other outcomes
 *               where the token exists), or null
 * @param mismatch for {@link Outcome#MISMATCH}, which binding did not match: provider, model or origin
 */
public record Redemption(Outcome outcome, @Nullable TokenRecord record, @Nullable String mismatch) {

    /** Every way a redemption can end. */
    public enum Outcome { REDEEMED, UNKNOWN, EXPIRED, USED_UP, MISMATCH }

    public static Redemption of(Outcome outcome) {
        return new Redemption(outcome, null, null);
    }
}

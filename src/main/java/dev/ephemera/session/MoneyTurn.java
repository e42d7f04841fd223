package dev.ephemera.session;

import dev.ephemera.token.UsageLimits;
import io.micronaut.core.annotation.Nullable;
import java.time.LocalDate;

/**
 * One turn of a token's money in the store (SPEC §11), made atomically on its key's ledgers: {@code release}
 * micro-dollars reserved earlier are given back (the response they were held for has been counted at its cost), and
 * then between {@code atLeast} and {@code atMost} are reserved for what comes next, if that much is left under every
 * money limit of {@code limits} once everything spent and reserved is counted. {@code atMost} 0 reserves nothing.
 * The usage counted in the same step was priced at {@code model} (null: the token's), which groups it in
 * {@code /v1/usage}; the release goes to {@code releaseDay}, the UTC day its reservation was made on.
 *
 * <p>After the model of prepaid credit control (RFC 4006: a grant reserved per session, its use reported and a new
 * grant asked for in one exchange), so that a response costs one round trip to the store, not two.
 */
public record MoneyTurn(UsageLimits limits, @Nullable String model, long release, LocalDate releaseDay,
        long atLeast, long atMost) {

    /** Nothing to give back, nothing to reserve: the usage's cost is only counted. */
    public static MoneyTurn count(UsageLimits limits, @Nullable String model) {
        return new MoneyTurn(limits, model, 0, LocalDate.EPOCH, 0, 0);
    }

    /** Only what is left under {@code limits} on {@code day}, reserving nothing (the store answers it). */
    public static MoneyTurn left(UsageLimits limits, LocalDate day) {
        return new MoneyTurn(limits, null, 0, day, 0, -1);
    }

    public MoneyTurn {
        if (release < 0 || atLeast < 0 || atMost < atLeast && !(atMost == -1 && atLeast == 0)) {
            throw new IllegalArgumentException("a money turn releases and reserves whole non-negative amounts");
        }
    }
}

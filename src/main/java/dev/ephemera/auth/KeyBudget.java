package dev.ephemera.auth;

import io.micronaut.core.annotation.Nullable;

/**
 * What the tokens of one API key may use, all together (SPEC §11, the key's {@code budget}); absent: no limit. The
 * mint refuses a key whose budget is spent ({@code quota_exceeded}); the money budgets also travel on each token the
 * key mints, so that the relays reserve every response against them.
 *
 * @param tokensPerDay   tokens in and out per UTC day ({@code tokens_per_day})
 * @param microsPerDay   micro-dollars per UTC day ({@code usd_per_day})
 * @param microsPerMonth micro-dollars per UTC calendar month ({@code usd_per_month})
 */
public record KeyBudget(@Nullable Long tokensPerDay, @Nullable Long microsPerDay, @Nullable Long microsPerMonth) {

    public static final KeyBudget NONE = new KeyBudget(null, null, null);

    public boolean isNone() {
        return tokensPerDay == null && !hasMoney();
    }

    /** Whether a budget of money holds. */
    public boolean hasMoney() {
        return microsPerDay != null || microsPerMonth != null;
    }
}

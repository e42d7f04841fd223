package dev.ephemera.ratelimit;

import io.micronaut.core.annotation.Nullable;
import java.util.concurrent.CompletionStage;

/** What the tokens of a key used today (UTC), as the relays counted it (SPEC §11), for the key's budgets. */
public interface DailyUsage {

    /** Total tokens of {@code keyId}'s tokens today; fails with {@code store_unavailable}. */
    CompletionStage<Long> tokensToday(String keyId);

    /**
     * The micro-dollars left today under the money budgets given (the key's per day and per month, the subject's per
     * day; null: none) for {@code keyId}'s tokens of {@code subject}, once everything spent and reserved is counted;
     * {@code Long.MAX_VALUE} when no budget holds. Fails with {@code store_unavailable}.
     */
    CompletionStage<Long> moneyLeft(String keyId, @Nullable String subject, @Nullable Long keyPerDay,
            @Nullable Long keyPerMonth, @Nullable Long subjectPerDay);
}

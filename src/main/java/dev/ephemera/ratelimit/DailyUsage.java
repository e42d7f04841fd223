package dev.ephemera.ratelimit;

import java.util.concurrent.CompletionStage;

/** What the tokens of a key used today (UTC), as the relays counted it (SPEC §11), for the key's budget. */
public interface DailyUsage {

    /** Total tokens of {@code keyId}'s tokens today; fails with {@code store_unavailable}. */
    CompletionStage<Long> tokensToday(String keyId);
}

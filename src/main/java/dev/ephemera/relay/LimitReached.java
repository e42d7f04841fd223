package dev.ephemera.relay;

import dev.ephemera.session.Usage;
import dev.ephemera.token.UsageLimits;
import io.micronaut.core.annotation.Nullable;

/** Whether a realtime session reached a limit of its token's, and what the client is told (SPEC §11). */
final class LimitReached {

    private LimitReached() {
    }

    /**
     * Why the session must end, or null: the token's tokens or responses used up ({@code total}), or, with no
     * response outstanding, the money it holds ({@code purse}) or what is left for one more turn ({@code turns})
     * short; a renewal on its way is waited for.
     */
    @Nullable
    static String why(UsageLimits limits, Usage total, @Nullable MoneyPurse purse, int outstanding,
            @Nullable LiveTurns turns) {
        if (limits.maxTotalTokens() != null && total.totalTokens() >= limits.maxTotalTokens()) {
            return "The token's limit of " + limits.maxTotalTokens() + " tokens is reached.";
        }
        if (limits.maxResponses() != null && total.responses() >= limits.maxResponses()) {
            return "The token's limit of " + limits.maxResponses() + " responses is reached.";
        }
        if (purse != null && !purse.asking() && purse.isShort() && outstanding == 0) {
            return "The money this session may spend is used up (the token's, its key's or its subject's budget).";
        }
        if (turns != null && !turns.canTakeATurn()) {
            return "What is left of the token's, its key's or its subject's budget cannot pay for one more turn of "
                    + turns.cap() + " output tokens.";
        }
        return null;
    }
}

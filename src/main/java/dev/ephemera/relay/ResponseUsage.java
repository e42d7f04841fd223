package dev.ephemera.relay;

import dev.ephemera.pricing.Price;
import dev.ephemera.session.Usage;
import dev.ephemera.token.UsageLimits;
import io.micronaut.core.annotation.Nullable;

/**
 * A realtime response's usage as a session's meter counts it (SPEC §11): priced at the model's prices; under limits,
 * a response whose usage the broker cannot read (none, all zero, malformed), or that the provider never said was
 * done, counts as all it held: its cap in tokens, and the money it was promised (at least its cap's price). What
 * cannot be measured is taken as spent.
 */
final class ResponseUsage {

    private ResponseUsage() {
    }

    /** A done response's {@code usage} (null: none the broker could read), priced, or what it held. */
    @Nullable
    static Usage readable(@Nullable Usage usage, OutstandingResponses.Share share, UsageLimits limits,
            @Nullable Price price) {
        if (limits.measured() && (usage == null || usage.totalTokens() == 0)) {
            return held(share, price);
        }
        return usage == null || price == null ? usage : usage.costing(price.cost(usage));
    }

    /** A response whose usage is unknown, counted as all it held. */
    static Usage held(OutstandingResponses.Share share, @Nullable Price price) {
        Usage capped = Usage.ofResponse(share.input(), share.cap(), share.input() + share.cap(), 0, 0, 0);
        return capped.costing(Math.max(share.promise(), price == null ? 0 : price.cost(capped)));
    }
}

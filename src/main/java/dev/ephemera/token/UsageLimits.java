package dev.ephemera.token;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.serde.annotation.Serdeable;
import io.micronaut.serde.config.naming.SnakeCaseStrategy;

/**
 * What the sessions and requests made with one token may use, all together (SPEC §4, §11), enforced by the relays;
 * absent: no limit.
 *
 * @param maxTotalTokens    tokens in and out, as the provider reports them, over all sessions and requests
 * @param maxSessionSeconds how long one realtime session may last
 * @param maxResponses      responses, over all sessions and requests
 */
@Serdeable(naming = SnakeCaseStrategy.class)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record UsageLimits(@Nullable Long maxTotalTokens, @Nullable Long maxSessionSeconds,
        @Nullable Long maxResponses) {

    public static final UsageLimits NONE = new UsageLimits(null, null, null);

    public boolean isNone() {
        return maxTotalTokens == null && maxSessionSeconds == null && maxResponses == null;
    }
}

package dev.ephemera.token;

import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.context.annotation.Context;
import io.micronaut.core.bind.annotation.Bindable;
import java.time.Duration;

/**
 * Token defaults and bounds ({@code ephemera.tokens.*}), checked at start-up: a broker with a nonsensical TTL
 * must not boot.
 *
 * @param defaultTtl     lifetime of a token when the request names none
 * @param maxTtl         the longest lifetime a request may ask for (at most one hour)
 * @param defaultMaxUses uses of a token when the request names none
 */
@Context
@ConfigurationProperties("ephemera.tokens")
public record TokenConfiguration(
        @Bindable(defaultValue = "60s") Duration defaultTtl,
        @Bindable(defaultValue = "600s") Duration maxTtl,
        @Bindable(defaultValue = "1") int defaultMaxUses) {

    public static final Duration MIN_TTL = Duration.ofSeconds(10);
    public static final Duration MAX_MAX_TTL = Duration.ofHours(1);
    public static final int MAX_USES = 100;

    public TokenConfiguration {
        if (maxTtl.compareTo(MIN_TTL) < 0 || maxTtl.compareTo(MAX_MAX_TTL) > 0) {
            throw new IllegalArgumentException("ephemera.tokens.max-ttl must be between 10s and 1h, was " + maxTtl);
        }
        if (defaultTtl.compareTo(MIN_TTL) < 0 || defaultTtl.compareTo(maxTtl) > 0) {
            throw new IllegalArgumentException(
                    "ephemera.tokens.default-ttl must be between 10s and ephemera.tokens.max-ttl, was " + defaultTtl);
        }
        if (defaultMaxUses < 1 || defaultMaxUses > MAX_USES) {
            throw new IllegalArgumentException("ephemera.tokens.default-max-uses must be between 1 and 100");
        }
    }
}

package dev.ephemera.provider;

import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.core.bind.annotation.Bindable;
import java.time.Duration;

/**
 * How long the broker waits for a provider it calls outside a relay (minting an upstream key, {@link UpstreamKeys}).
 * It is the relays' setting {@code ephemera.relay.upstream-timeout} (README's configuration table), bound here as
 * well because {@code provider} sits below {@code relay} and may not read {@code relay.RelayConfiguration}; both
 * refuse a value that is not positive.
 *
 * @param upstreamTimeout longest wait for a provider's answer
 */
@ConfigurationProperties("ephemera.relay")
public record ProviderTimeouts(@Bindable(defaultValue = "10s") Duration upstreamTimeout) {

    public ProviderTimeouts {
        if (upstreamTimeout.isZero() || upstreamTimeout.isNegative()) {
            throw new IllegalArgumentException("ephemera.relay.upstream-timeout must be positive");
        }
    }
}

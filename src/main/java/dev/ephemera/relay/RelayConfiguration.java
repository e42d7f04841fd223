package dev.ephemera.relay;

import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.context.annotation.Context;
import io.micronaut.core.bind.annotation.Bindable;
import java.time.Duration;

/**
 * Relay limits ({@code ephemera.relay.*}).
 *
 * @param upstreamTimeout    longest wait to connect to a provider and for its first response bytes
 * @param maxSessionDuration longest a realtime session may last before the broker closes it
 * @param sessionLease       how long a session's place among its key's concurrent sessions is held without being
 *                           renewed; a live session renews it every third of this, so the places of a replica that
 *                           died expire after at most this
 */
@Context
@ConfigurationProperties("ephemera.relay")
public record RelayConfiguration(
        @Bindable(defaultValue = "10s") Duration upstreamTimeout,
        @Bindable(defaultValue = "30m") Duration maxSessionDuration,
        @Bindable(defaultValue = "30s") Duration sessionLease) {

    public RelayConfiguration {
        if (upstreamTimeout.isZero() || upstreamTimeout.isNegative()) {
            throw new IllegalArgumentException("ephemera.relay.upstream-timeout must be positive");
        }
        if (maxSessionDuration.isZero() || maxSessionDuration.isNegative()) {
            throw new IllegalArgumentException("ephemera.relay.max-session-duration must be positive");
        }
        if (sessionLease.compareTo(Duration.ofSeconds(3)) < 0) {
            throw new IllegalArgumentException("ephemera.relay.session-lease must be at least 3s");
        }
    }
}

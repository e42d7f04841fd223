package dev.ephemera.webhook;

import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.core.bind.annotation.Bindable;
import java.time.Duration;

/**
 * {@code ephemera.webhooks.*} (SPEC §10, §11).
 *
 * @param allowPrivateTargets whether webhook URLs may be {@code http} and resolve to loopback, private or link-local
 *                            addresses (development and tests only)
 * @param firstRetry          the wait before the first retry of a failed delivery; each next one waits twice as long
 *                            (at most an hour), with 20% jitter
 * @param retryFor            how long a delivery is retried before it is marked failed
 * @param lease               how long a replica holds a delivery (or an event of the log) it took; one that dies
 *                            holding it frees it after this
 */
@ConfigurationProperties("ephemera.webhooks")
public record WebhookConfiguration(
        @Bindable(defaultValue = "false") boolean allowPrivateTargets,
        @Bindable(defaultValue = "5s") Duration firstRetry,
        @Bindable(defaultValue = "24h") Duration retryFor,
        @Bindable(defaultValue = "30s") Duration lease) {
}

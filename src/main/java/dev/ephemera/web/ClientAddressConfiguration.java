package dev.ephemera.web;

import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.core.annotation.Nullable;
import java.util.List;

/**
 * Where a request's client address comes from (SPEC §7, §10): {@code ephemera.trusted-proxies}, the CIDR blocks
 * whose forwarding header is believed (none by default), and {@code ephemera.client-address-header}, the one
 * header read from them ({@link ClientAddressHeader}; {@code X-Forwarded-For} by default). Checked at start-up by
 * {@link ClientAddresses}.
 */
@ConfigurationProperties("ephemera")
record ClientAddressConfiguration(@Nullable List<String> trustedProxies, @Nullable String clientAddressHeader) {
}

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
 * @param sessionLease       how long a session's place among its key's concurrent sessions is held until the session
 *                           is registered (then it is held once as long as the session may last; the places of a
 *                           replica that died are given back by another, {@code LiveSessions}); a failed hold of a
 *                           watched call is tried again after a third of this
 * @param maxSessions        realtime sessions this replica holds at once; past it, 503 relay_at_capacity
 * @param maxFrameBytes      the largest WebSocket message either way ({@code 1MiB}, {@code 512KiB} or bytes);
 *                           larger: close 1009
 * @param maxBufferedBytes   what may wait towards either side of one session; past it the relay stops reading
 * @param drainPeriod        on SIGTERM, how long open sessions are given to end after they are told (1001)
 */
@Context
@ConfigurationProperties("ephemera.relay")
public record RelayConfiguration(
        @Bindable(defaultValue = "10s") Duration upstreamTimeout,
        @Bindable(defaultValue = "30m") Duration maxSessionDuration,
        @Bindable(defaultValue = "30s") Duration sessionLease,
        @Bindable(defaultValue = "10000") int maxSessions,
        @Bindable(defaultValue = "1MiB") String maxFrameBytes,
        @Bindable(defaultValue = "1MiB") String maxBufferedBytes,
        @Bindable(defaultValue = "20s") Duration drainPeriod) {

    /** The hard ceiling of {@link #maxFrameBytes}: what the WebSocket decoder itself accepts. */
    public static final int FRAME_CEILING = 16 * 1024 * 1024;

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
        if (maxSessions < 1) {
            throw new IllegalArgumentException("ephemera.relay.max-sessions must be at least 1");
        }
        if (bytes(maxFrameBytes, "max-frame-bytes") > FRAME_CEILING) {
            throw new IllegalArgumentException("ephemera.relay.max-frame-bytes may be at most 16MiB");
        }
        bytes(maxBufferedBytes, "max-buffered-bytes");
        if (drainPeriod.isNegative()) {
            throw new IllegalArgumentException("ephemera.relay.drain-period may not be negative");
        }
    }

    /** {@link #maxFrameBytes} in bytes. */
    public int frameLimit() {
        return (int) bytes(maxFrameBytes, "max-frame-bytes");
    }

    /** {@link #maxBufferedBytes} in bytes. */
    public long bufferLimit() {
        return bytes(maxBufferedBytes, "max-buffered-bytes");
    }

    /** {@code 1MiB}, {@code 512KiB}, {@code 2MB} (also 2^20), or a number of bytes; at least 1 KiB. */
    static long bytes(String value, String name) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(\\d{1,10})\\s*(|B|KiB|KB|K|MiB|MB|M)")
                .matcher(value.trim());
        if (!m.matches()) {
            throw new IllegalArgumentException("ephemera.relay." + name + " must be a size such as 1MiB, 512KiB or "
                    + "a number of bytes, was " + value);
        }
        long n = Long.parseLong(m.group(1));
        long bytes = switch (m.group(2)) {
            case "KiB", "KB", "K" -> n * 1024;
            case "MiB", "MB", "M" -> n * 1024 * 1024;
            default -> n;
        };
        if (bytes < 1024) {
            throw new IllegalArgumentException("ephemera.relay." + name + " must be at least 1KiB");
        }
        return bytes;
    }
}

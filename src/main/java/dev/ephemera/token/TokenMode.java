package dev.ephemera.token;

/**
 * How a token reaches its provider (SPEC §4): through the broker's relays, or as the provider's own ephemeral key
 * that the broker minted upstream and only records. Written by its {@link #wireName()} in bodies, the store and
 * the metrics.
 */
public enum TokenMode {
    RELAY, UPSTREAM;

    private final String wireName = WireNames.of(this);

    public String wireName() {
        return wireName;
    }

    /** The mode named {@code value}; anything else is an {@link IllegalArgumentException}. */
    public static TokenMode fromWire(String value) {
        return WireNames.parse(TokenMode.class, value);
    }
}

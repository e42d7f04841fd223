package dev.ephemera.token;

/** How a minted token is written: an opaque {@code eph_} string, or a signed {@code eph+jwt}. */
public enum TokenFormat {
    OPAQUE, JWT;

    private final String wireName = WireNames.of(this);

    public String wireName() {
        return wireName;
    }

    public static TokenFormat fromWire(String value) {
        return WireNames.parse(TokenFormat.class, value);
    }
}

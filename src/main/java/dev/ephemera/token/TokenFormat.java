package dev.ephemera.token;

import java.util.Locale;

/** How a minted token is written: an opaque {@code eph_} string, or a signed {@code eph+jwt}. */
public enum TokenFormat {
    OPAQUE, JWT;

    private final String wireName = name().toLowerCase(Locale.ROOT);

    public String wireName() {
        return wireName;
    }

    public static TokenFormat fromWire(String value) {
        for (TokenFormat f : values()) {
            if (f.wireName().equals(value)) {
                return f;
            }
        }
        throw new IllegalArgumentException(value);
    }
}

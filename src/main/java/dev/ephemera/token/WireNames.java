package dev.ephemera.token;

import java.util.Locale;

/**
 * The enums a token's bodies, the store and the audit log write by their lower-case names ({@link TokenFormat},
 * {@link TokenMode}, {@link Redemption.Mismatch}): one spelling, and one strict reading.
 */
final class WireNames {

    private WireNames() {
    }

    static String of(Enum<?> value) {
        return value.name().toLowerCase(Locale.ROOT);
    }

    /** The constant of {@code type} written {@code value}; anything else is an {@link IllegalArgumentException}. */
    static <E extends Enum<E>> E parse(Class<E> type, String value) {
        for (E constant : type.getEnumConstants()) {
            if (of(constant).equals(value)) {
                return constant;
            }
        }
        throw new IllegalArgumentException("no " + type.getSimpleName() + " " + value);
    }
}

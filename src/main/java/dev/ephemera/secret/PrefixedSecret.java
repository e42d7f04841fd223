package dev.ephemera.secret;

import io.micronaut.core.annotation.Nullable;

/**
 * A credential of the shape {@code <prefix><body><checksum>}, where the body is base62 of a fixed length and the
 * checksum is {@link Secrets#checksum} of everything before it. Knows how to make one and how to tell a
 * well-formed one from garbage without a store lookup.
 *
 * @param prefix     e.g. {@code eph_}
 * @param bodyLength number of base62 characters between prefix and checksum
 */
public record PrefixedSecret(String prefix, int bodyLength) {

    public int length() {
        return prefix.length() + bodyLength + Secrets.CHECKSUM_CHARS;
    }

    /** A new credential whose body starts with {@code fixedStart} (may be empty) and ends in random characters. */
    public String generate(String fixedStart) {
        String head = prefix + fixedStart + Secrets.randomBase62(bodyLength - fixedStart.length());
        return head + Secrets.checksum(head);
    }

    /** The body of a well-formed credential, or {@code null} when the prefix, length, alphabet or checksum is off. */
    @Nullable
    public String body(@Nullable String candidate) {
        if (candidate == null || candidate.length() != length() || !candidate.startsWith(prefix)) {
            return null;
        }
        int checksumAt = prefix.length() + bodyLength;
        if (!Secrets.isBase62(candidate, prefix.length(), candidate.length())) {
            return null;
        }
        String head = candidate.substring(0, checksumAt);
        if (!Secrets.constantTimeEquals(Secrets.checksum(head), candidate.substring(checksumAt))) {
            return null;
        }
        return candidate.substring(prefix.length(), checksumAt);
    }
}

package dev.ephemera.secret;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.zip.CRC32;

/**
 * The primitives every credential here is made of: uniform random base62 strings, a base62 CRC32 checksum so a
 * malformed credential is refused without a store lookup (the scheme GitHub's tokens use), and SHA-256, the only
 * form in which a secret is ever stored.
 */
public final class Secrets {

    static final String ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    /** 43 base62 characters carry 256.03 bits. */
    public static final int SECRET_CHARS = 43;
    public static final int CHECKSUM_CHARS = 6;

    /**
     * A DRBG (NIST SP 800-90A, seeded from the OS): thread-safe without a system call per draw, unlike the
     * platform default that reads /dev/urandom under a global lock on every call.
     */
    private static final SecureRandom RANDOM = drbg();
    /** Cloned per use: requests run on short-lived virtual threads, where a ThreadLocal digest never pays off. */
    private static final MessageDigest SHA256_PROTOTYPE = sha256Prototype();

    private Secrets() {
    }

    /** {@code length} characters drawn uniformly from base62 (rejection sampling, so no modulo bias). */
    public static String randomBase62(int length) {
        char[] out = new char[length];
        byte[] buffer = new byte[length + 16];
        int filled = 0;
        while (filled < length) {
            RANDOM.nextBytes(buffer);
            for (int i = 0; i < buffer.length && filled < length; i++) {
                int v = buffer[i] & 0x3F;
                if (v < 62) {
                    out[filled++] = ALPHABET.charAt(v);
                }
            }
        }
        return new String(out);
    }

    /** CRC32 of {@code body} as 6 base62 characters. */
    public static String checksum(String body) {
        CRC32 crc = new CRC32();
        crc.update(body.getBytes(StandardCharsets.US_ASCII));
        long value = crc.getValue();
        char[] out = new char[CHECKSUM_CHARS];
        for (int i = CHECKSUM_CHARS - 1; i >= 0; i--) {
            out[i] = ALPHABET.charAt((int) (value % 62));
            value /= 62;
        }
        return new String(out);
    }

    public static boolean isBase62(String s, int from, int to) {
        for (int i = from; i < to; i++) {
            char c = s.charAt(i);
            if (!(c >= '0' && c <= '9' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z')) {
                return false;
            }
        }
        return true;
    }

    /** Lower-case hex SHA-256 of the UTF-8 bytes of {@code secret}. */
    public static String sha256Hex(String secret) {
        return HexFormat.of().formatHex(sha256(secret));
    }

    public static byte[] sha256(String secret) {
        try {
            return ((MessageDigest) SHA256_PROTOTYPE.clone()).digest(secret.getBytes(StandardCharsets.UTF_8));
        } catch (CloneNotSupportedException e) {
            throw new IllegalStateException("SHA-256 digests cannot be cloned on this JVM", e);
        }
    }

    private static MessageDigest sha256Prototype() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    private static SecureRandom drbg() {
        try {
            return SecureRandom.getInstance("DRBG");
        } catch (NoSuchAlgorithmException e) {
            return new SecureRandom();
        }
    }

    /** Compares two hashes in time independent of where they differ. */
    public static boolean constantTimeEquals(String a, String b) {
        return MessageDigest.isEqual(a.getBytes(StandardCharsets.US_ASCII), b.getBytes(StandardCharsets.US_ASCII));
    }
}

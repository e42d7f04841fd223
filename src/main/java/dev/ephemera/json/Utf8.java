package dev.ephemera.json;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * Strict UTF-8 (RFC 3629) checked on the bytes in place, for {@link StrictJson}: no overlong form, no encoded
 * surrogate, nothing above U+10FFFF, no truncated sequence, and no zero byte (JSON text cannot hold one unescaped,
 * and Jackson would read zero bytes among the first four as UTF-16 or UTF-32). ASCII, most of a realtime event
 * (base64 audio above all), is checked eight bytes at a time.
 */
final class Utf8 {

    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class,
            ByteOrder.LITTLE_ENDIAN);
    private static final long HIGH_BITS = 0x8080808080808080L;
    private static final long LOW_BITS = 0x0101010101010101L;
    private static final long QUOTES = LOW_BITS * '"';
    private static final long BACKSLASHES = LOW_BITS * '\\';

    private Utf8() {
    }

    /** Whether {@code bytes} are strict UTF-8 without a zero byte. */
    static boolean valid(byte[] bytes) {
        int i = 0;
        int n = bytes.length;
        while (i < n) {
            if (i + Long.BYTES <= n) {
                long word = (long) LONGS.get(bytes, i);
                // All eight ASCII and none zero: no high bit, and no byte that borrows when one is subtracted.
                if ((word & HIGH_BITS) == 0 && ((word - LOW_BITS) & ~word & HIGH_BITS) == 0) {
                    i += Long.BYTES;
                    continue;
                }
            }
            int b = bytes[i] & 0xFF;
            if (b < 0x80) {
                if (b == 0) {
                    return false;
                }
                i++;
                continue;
            }
            int length = sequenceLength(bytes, i, b);
            if (length == 0) {
                return false;
            }
            i += length;
        }
        return true;
    }

    /** Whether {@code bytes} begin with U+FEFF, which {@link StrictJson} refuses as a value's first character. */
    static boolean startsWithByteOrderMark(byte[] bytes) {
        return bytes.length >= 3 && (bytes[0] & 0xFF) == 0xEF && (bytes[1] & 0xFF) == 0xBB
                && (bytes[2] & 0xFF) == 0xBF;
    }

    /**
     * Whether the JSON string whose opening quote is at {@code quote} in {@code bytes} (already checked by
     * {@link #valid}) holds at least {@code min} bytes and no escape: then its bytes are its value. Whether it is
     * closed, and free of control characters, is left to the parser that skips it.
     */
    static boolean plainString(byte[] bytes, long quote, int min) {
        if (quote < 0 || quote >= bytes.length || bytes[(int) quote] != '"') {
            return false;
        }
        int start = (int) quote + 1;
        int i = start;
        int n = bytes.length;
        while (i + Long.BYTES <= n) {
            long word = (long) LONGS.get(bytes, i);
            if (hasByte(word, QUOTES) || hasByte(word, BACKSLASHES)) {
                break;
            }
            i += Long.BYTES;
        }
        for (; i < n; i++) {
            if (bytes[i] == '\\') {
                return false;
            }
            if (bytes[i] == '"') {
                return i - start >= min;
            }
        }
        return false;
    }

    /** Whether any byte of {@code word} equals the byte {@code repeated} holds in each of its eight. */
    private static boolean hasByte(long word, long repeated) {
        long x = word ^ repeated;
        return ((x - LOW_BITS) & ~x & HIGH_BITS) != 0;
    }

    /** The length of the well-formed multi-byte sequence that starts with {@code lead} at {@code i}, or 0. */
    private static int sequenceLength(byte[] bytes, int i, int lead) {
        int length;
        int low = 0x80;
        int high = 0xBF;
        if (lead >= 0xC2 && lead <= 0xDF) {
            length = 2;
        } else if (lead >= 0xE0 && lead <= 0xEF) {
            length = 3;
            low = lead == 0xE0 ? 0xA0 : 0x80;
            high = lead == 0xED ? 0x9F : 0xBF;
        } else if (lead >= 0xF0 && lead <= 0xF4) {
            length = 4;
            low = lead == 0xF0 ? 0x90 : 0x80;
            high = lead == 0xF4 ? 0x8F : 0xBF;
        } else {
            return 0;
        }
        if (i + length > bytes.length) {
            return 0;
        }
        int second = bytes[i + 1] & 0xFF;
        if (second < low || second > high) {
            return 0;
        }
        for (int k = 2; k < length; k++) {
            int next = bytes[i + k] & 0xFF;
            if (next < 0x80 || next > 0xBF) {
                return 0;
            }
        }
        return length;
    }
}

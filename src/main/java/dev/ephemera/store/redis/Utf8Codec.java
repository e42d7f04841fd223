package dev.ephemera.store.redis;

import io.lettuce.core.codec.RedisCodec;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * UTF-8 strings for Lettuce, encoded into heap arrays that Lettuce copies straight into the command's buffer.
 *
 * <p>Lettuce's own {@code StringCodec} also implements {@code ToByteBufEncoder}, and for such a codec Lettuce
 * encodes every argument into a temporary pooled direct buffer (to learn its length before writing it) and then
 * copies it over: an allocation and a release per argument. A mint sends about forty arguments; in the
 * opaque-mint CPU profile that was 28 of the broker's 247 sampled µs a mint (bench/README.md, "Session 5").
 * Values read back are copied once into a {@code String}, as {@code StringCodec} does.
 */
final class Utf8Codec implements RedisCodec<String, String> {

    static final Utf8Codec INSTANCE = new Utf8Codec();

    private static final ByteBuffer EMPTY = ByteBuffer.wrap(new byte[0]);

    private Utf8Codec() {
    }

    @Override
    public String decodeKey(ByteBuffer bytes) {
        return decode(bytes);
    }

    @Override
    public String decodeValue(ByteBuffer bytes) {
        return decode(bytes);
    }

    @Override
    public ByteBuffer encodeKey(String key) {
        return encode(key);
    }

    @Override
    public ByteBuffer encodeValue(String value) {
        return encode(value);
    }

    private static ByteBuffer encode(String s) {
        // As StringCodec: null is sent as the empty string (Lettuce never passes null for a key or value it needs).
        return s == null ? EMPTY.duplicate() : ByteBuffer.wrap(s.getBytes(StandardCharsets.UTF_8));
    }

    private static String decode(ByteBuffer bytes) {
        if (bytes.hasArray()) {
            return new String(bytes.array(), bytes.arrayOffset() + bytes.position(), bytes.remaining(),
                    StandardCharsets.UTF_8);
        }
        byte[] copy = new byte[bytes.remaining()];
        bytes.get(bytes.position(), copy);
        return new String(copy, StandardCharsets.UTF_8);
    }
}

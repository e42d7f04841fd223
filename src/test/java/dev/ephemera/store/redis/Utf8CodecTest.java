package dev.ephemera.store.redis;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** What other Redis clients read is UTF-8, and reading never disturbs Lettuce's buffer. */
class Utf8CodecTest {

    private static final String TEXT = "modèle ß 李 🎧";

    @Test
    void encodesUtf8Bytes() {
        ByteBuffer encoded = Utf8Codec.INSTANCE.encodeValue(TEXT);
        byte[] bytes = new byte[encoded.remaining()];
        encoded.get(bytes);
        assertThat(bytes).isEqualTo(TEXT.getBytes(StandardCharsets.UTF_8));
        assertThat(Utf8Codec.INSTANCE.encodeKey("eph:tok:{ab}").remaining()).isEqualTo(12);
    }

    @Test
    void nullIsSentAsTheEmptyString() {
        assertThat(Utf8Codec.INSTANCE.encodeValue(null).remaining()).isZero();
    }

    @Test
    void decodesHeapAndDirectBuffersFromTheirPositionWithoutMovingIt() {
        byte[] utf8 = TEXT.getBytes(StandardCharsets.UTF_8);
        ByteBuffer heap = ByteBuffer.allocate(utf8.length + 3);
        heap.put(new byte[] {'x', 'y', 'z'}).put(utf8).flip().position(3);
        ByteBuffer direct = ByteBuffer.allocateDirect(utf8.length + 3);
        direct.put(new byte[] {'x', 'y', 'z'}).put(utf8).flip().position(3);

        assertThat(Utf8Codec.INSTANCE.decodeValue(heap.slice())).isEqualTo(TEXT);
        assertThat(Utf8Codec.INSTANCE.decodeValue(heap)).isEqualTo(TEXT);
        assertThat(heap.position()).isEqualTo(3);
        assertThat(Utf8Codec.INSTANCE.decodeKey(direct)).isEqualTo(TEXT);
        assertThat(direct.position()).isEqualTo(3);
    }
}

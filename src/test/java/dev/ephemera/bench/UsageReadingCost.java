package dev.ephemera.bench;

import dev.ephemera.relay.event.ProviderEvents;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import java.util.Random;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What reading usage adds to each provider frame of a realtime session (SPEC §11; {@link ProviderEvents}, which the
 * relay calls on every frame it passes on): the time of one call, per kind of frame, median and p99 over 100,000
 * calls after 200,000 of warm-up. An audio delta (24 KB of base64) and a text delta are only scanned for the
 * event's name; a {@code response.done} with usage is parsed. Not a test: run it with
 * {@code java -cp <the test class path> dev.ephemera.bench.UsageReadingCost} (README, "Benchmarks").
 */
public final class UsageReadingCost {

    private static final Logger LOG = LoggerFactory.getLogger(UsageReadingCost.class);
    private static final int WARMUP = 200_000;
    private static final int SAMPLES = 100_000;

    private UsageReadingCost() {
    }

    public static void main(String[] args) {
        byte[] audio = new byte[18 * 1024];
        new Random(1).nextBytes(audio);
        String audioDelta = "{\"type\":\"response.output_audio.delta\",\"event_id\":\"event_1\",\"response_id\":"
                + "\"resp_1\",\"item_id\":\"item_1\",\"output_index\":0,\"content_index\":0,\"delta\":\""
                + Base64.getEncoder().encodeToString(audio) + "\"}";
        String textDelta = "{\"type\":\"response.output_text.delta\",\"event_id\":\"event_2\",\"response_id\":"
                + "\"resp_1\",\"item_id\":\"item_1\",\"output_index\":0,\"content_index\":0,\"delta\":\"Hello\"}";
        String done = "{\"type\":\"response.done\",\"event_id\":\"event_3\",\"response\":{\"object\":"
                + "\"realtime.response\",\"id\":\"resp_1\",\"status\":\"completed\",\"output\":[{\"id\":\"item_1\","
                + "\"type\":\"message\",\"role\":\"assistant\",\"content\":[{\"type\":\"output_audio\",\"transcript\":"
                + "\"Hello there, how can I help?\"}]}],\"usage\":{\"total_tokens\":253,\"input_tokens\":132,"
                + "\"output_tokens\":121,\"input_token_details\":{\"text_tokens\":119,\"audio_tokens\":13,"
                + "\"cached_tokens\":64},\"output_token_details\":{\"text_tokens\":30,\"audio_tokens\":91}}}}";
        for (String[] frame : new String[][] {{"audio delta (24 KB)", audioDelta}, {"text delta", textDelta},
            {"response.done with usage", done}}) {
            measure(frame[0], frame[1].getBytes(StandardCharsets.UTF_8));
        }
    }

    private static void measure(String name, byte[] message) {
        ProviderEvents events = new ProviderEvents(16 * 1024 * 1024);
        TextWebSocketFrame frame = new TextWebSocketFrame(Unpooled.wrappedBuffer(message));
        long sink = 0;
        for (int i = 0; i < WARMUP; i++) {
            sink += events.usage(frame) == null ? 0 : 1;
        }
        long[] nanos = new long[SAMPLES];
        for (int i = 0; i < SAMPLES; i++) {
            long start = System.nanoTime();
            sink += events.usage(frame) == null ? 0 : 1;
            nanos[i] = System.nanoTime() - start;
        }
        Arrays.sort(nanos);
        LOG.info("{} ({} bytes): median {} µs, p99 {} µs ({} with usage)", name, message.length,
                String.format("%.2f", nanos[SAMPLES / 2] / 1e3), String.format("%.2f", nanos[SAMPLES * 99 / 100] / 1e3),
                sink);
    }
}

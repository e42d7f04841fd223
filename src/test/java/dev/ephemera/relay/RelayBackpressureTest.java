package dev.ephemera.relay;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ephemera.support.Broker;
import dev.ephemera.support.BrokerExtension;
import dev.ephemera.support.WsClient;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * SPEC §7: a client that sends as fast as it can to a provider that stopped reading gets at most
 * {@code max-buffered-bytes} queued in the broker (beyond that the relay stops reading it), the broker stays
 * responsive, and the session ends with 1011 once the provider has taken nothing for {@code upstream-timeout}.
 */
class RelayBackpressureTest {

    @RegisterExtension
    static final BrokerExtension ENV = BrokerExtension.onRedis()
            .with("ephemera.relay.max-buffered-bytes", "1MiB")
            .with("ephemera.relay.upstream-timeout", "2s")
            .withFakeProvider(fake -> Map.of("ephemera.providers.openai.realtime-url",
                    fake.expectKey("stall", "Authorization", "Bearer " + Broker.OPENAI_KEY).websocketBase("stall")
                            + "/realtime"));

    @Test
    void aFloodIntoAStalledProviderIsBoundedAndEndsWith1011() throws Exception {
        Broker broker = ENV.broker();
        String key = ENV.secret(broker.createKey("write"));
        String token = ENV.secret(broker.mint(key, Map.of("provider", "openai")).string("value"));
        WsClient client = WsClient.connect(broker.url().replaceFirst("^http", "ws") + "/v1/realtime",
                List.of("ephemera", "ephemera-token." + token), Map.of());
        byte[] audio = new byte[48 * 1024];
        byte[] frame = ("{\"type\":\"input_audio_buffer.append\",\"audio\":\""
                + Base64.getEncoder().encodeToString(audio) + "\"}").getBytes(StandardCharsets.UTF_8);
        AtomicLong accepted = new AtomicLong();
        AtomicBoolean stop = new AtomicBoolean();
        Thread flood = Thread.ofVirtual().start(() -> {
            while (!stop.get()) {
                try {
                    client.socket.sendBinary(ByteBuffer.wrap(frame), true).get(500, TimeUnit.MILLISECONDS);
                    accepted.addAndGet(frame.length);
                } catch (TimeoutException stalled) {
                    return;  // the broker stopped reading us: what the test wants to see
                } catch (Exception ended) {
                    return;
                }
            }
        });
        HttpClient http = HttpClient.newHttpClient();
        List<Long> liveness = new ArrayList<>();
        long started = System.nanoTime();
        while (!client.closeCode.isDone() && System.nanoTime() - started < TimeUnit.SECONDS.toNanos(15)) {
            long t = System.nanoTime();
            int status = http.send(HttpRequest.newBuilder(URI.create(broker.url() + "/health/liveness"))
                    .timeout(Duration.ofSeconds(1)).build(), HttpResponse.BodyHandlers.discarding()).statusCode();
            assertThat(status).isEqualTo(200);
            liveness.add(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t));
            Thread.sleep(100);
        }
        stop.set(true);
        flood.join(Duration.ofSeconds(5));
        assertThat(client.closeCode.get(1, TimeUnit.SECONDS)).as("the session ends").isEqualTo(1011);
        // At most the 1 MiB backlog, one message being read, and what the kernel's socket buffers hold on the way.
        org.slf4j.LoggerFactory.getLogger(RelayBackpressureTest.class).info(
                "flood: {} KiB accepted before the broker stopped reading; liveness max {} ms",
                accepted.get() / 1024, liveness.stream().mapToLong(Long::longValue).max().orElse(0));
        assertThat(accepted.get()).as("bytes the broker took from the flooding client").isLessThan(48L << 20);
        assertThat(liveness).allMatch(ms -> ms < 1000);
    }
}

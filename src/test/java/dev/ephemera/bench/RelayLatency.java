package dev.ephemera.bench;

import dev.ephemera.support.Broker;
import dev.ephemera.support.FakeUpstream;
import dev.ephemera.support.TestRedis;
import dev.ephemera.support.WsClient;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Measures what the relays add on loopback: one HTTP request, one WebSocket round trip and one realtime session's
 * handshake, straight to a local fake provider and through the broker (on Redis, so each relayed HTTP request
 * includes its token's consume, and each handshake the session's admission).
 * Not a test: run it with
 * {@code java -cp <the test class path> dev.ephemera.bench.RelayLatency} (README, "Benchmarks").
 */
public final class RelayLatency {

    private static final Logger LOG = LoggerFactory.getLogger(RelayLatency.class);
    private static final int WARMUP = 5000;
    private static final int SAMPLES = 1000;
    private static final int HANDSHAKES = 500;

    private RelayLatency() {
    }

    public static void main(String[] args) throws Exception {
        try (FakeUpstream fake = new FakeUpstream();
                Broker broker = Broker.onRedis(TestRedis.uri(), Map.of("ephemera.providers.openai.base-url",
                        fake.base("openai")))) {
            String key = broker.createKey("write");
            HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
            String body = "{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":\"ping\"}]}";

            long[] direct = new long[SAMPLES];
            long[] relayed = new long[SAMPLES];
            List<String> tokens = new ArrayList<>();
            for (int i = 0; i < (WARMUP + SAMPLES) / 100 + 1; i++) {
                tokens.add(broker.mint(key, Map.of("provider", "openai", "max_uses", 100, "ttl_seconds", 600))
                        .string("value"));
            }
            for (int i = 0; i < WARMUP + SAMPLES; i++) {
                long d = time(http, fake.base("openai") + "/chat/completions", Broker.OPENAI_KEY, body);
                long r = time(http, broker.url() + "/v1/proxy/openai/chat/completions", tokens.get(i / 100), body);
                if (i >= WARMUP) {
                    direct[i - WARMUP] = d;
                    relayed[i - WARMUP] = r;
                }
            }
            report("HTTP request", direct, relayed);

            String token = broker.mint(key, Map.of("provider", "openai")).string("value");
            WsClient straight = WsClient.connect(fake.websocketBase("openai") + "/realtime", List.of(),
                    Map.of("Authorization", "Bearer " + Broker.OPENAI_KEY));
            WsClient through = WsClient.connect(broker.url().replaceFirst("^http", "ws") + "/v1/realtime",
                    List.of("ephemera", "ephemera-token." + token), Map.of());
            long[] wsDirect = new long[SAMPLES];
            long[] wsRelayed = new long[SAMPLES];
            for (int i = 0; i < WARMUP + SAMPLES; i++) {
                long d = roundTrip(straight);
                long r = roundTrip(through);
                if (i >= WARMUP) {
                    wsDirect[i - WARMUP] = d;
                    wsRelayed[i - WARMUP] = r;
                }
            }
            report("WebSocket round trip", wsDirect, wsRelayed);
            straight.socket.sendClose(1000, "").get();
            through.socket.sendClose(1000, "").get();
            handshakes(broker, fake, key);
        }
        System.exit(0);
    }

    /**
     * A realtime session's opening: the WebSocket handshake straight to the fake, and through the broker (admission:
     * the token's look, its key's place, its use, then the provider's handshake), each session closed before the
     * next. Tokens of 100 uses, minted outside the timing.
     */
    private static void handshakes(Broker broker, FakeUpstream fake, String key) throws Exception {
        int warmup = 500;
        long[] direct = new long[HANDSHAKES];
        long[] relayed = new long[HANDSHAKES];
        String token = null;
        for (int i = 0; i < warmup + HANDSHAKES; i++) {
            if (i % 100 == 0) {
                token = broker.mint(key, Map.of("provider", "openai", "max_uses", 100, "ttl_seconds", 600))
                        .string("value");
            }
            long started = System.nanoTime();
            WsClient straight = WsClient.connect(fake.websocketBase("openai") + "/realtime", List.of(),
                    Map.of("Authorization", "Bearer " + Broker.OPENAI_KEY));
            long d = System.nanoTime() - started;
            straight.socket.sendClose(1000, "").get();
            started = System.nanoTime();
            WsClient through = WsClient.connect(broker.url().replaceFirst("^http", "ws") + "/v1/realtime",
                    List.of("ephemera", "ephemera-token." + token), Map.of());
            long r = System.nanoTime() - started;
            through.socket.sendClose(1000, "").get();
            through.closeCode.get(5, java.util.concurrent.TimeUnit.SECONDS);
            if (i >= warmup) {
                direct[i - warmup] = d;
                relayed[i - warmup] = r;
            }
        }
        report("realtime handshake", direct, relayed);
    }

    private static long time(HttpClient http, String url, String token, String body) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url)).header("Content-Type",
                "application/json").POST(HttpRequest.BodyPublishers.ofString(body));
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        long started = System.nanoTime();
        HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        long took = System.nanoTime() - started;
        if (response.statusCode() != 200) {
            throw new IllegalStateException("HTTP " + response.statusCode() + " from " + url);
        }
        return took;
    }

    private static long roundTrip(WsClient client) throws Exception {
        long started = System.nanoTime();
        client.socket.sendText("{\"type\":\"ping\"}", true).get();
        client.next();
        return System.nanoTime() - started;
    }

    private static void report(String what, long[] direct, long[] relayed) {
        Arrays.sort(direct);
        Arrays.sort(relayed);
        int n = direct.length;
        LOG.warn(String.format("%s, %d samples: direct median %.3f ms p99 %.3f ms; relayed median %.3f ms p99 %.3f "
                + "ms; added median %.3f ms", what, n, ms(direct[n / 2]), ms(direct[n * 99 / 100]),
                ms(relayed[n / 2]), ms(relayed[n * 99 / 100]), ms(relayed[n / 2] - direct[n / 2])));
    }

    private static double ms(long nanos) {
        return nanos / 1_000_000.0;
    }
}

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
 * Measures what the relays add on loopback: one HTTP request and one WebSocket round trip, straight to a local
 * fake provider and through the broker (on Redis, so each relayed HTTP request includes its token's consume).
 * Not a test: run it with
 * {@code java -cp <the test class path> dev.ephemera.bench.RelayLatency} (README, "Benchmarks").
 */
public final class RelayLatency {

    private static final Logger LOG = LoggerFactory.getLogger(RelayLatency.class);
    private static final int WARMUP = 5000;
    private static final int SAMPLES = 1000;

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
        }
        System.exit(0);
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
        LOG.warn(String.format("%s, %d samples: direct median %.3f ms p99 %.3f ms; relayed median %.3f ms p99 %.3f "
                + "ms; added median %.3f ms", what, SAMPLES, ms(direct[SAMPLES / 2]), ms(direct[SAMPLES * 99 / 100]),
                ms(relayed[SAMPLES / 2]), ms(relayed[SAMPLES * 99 / 100]),
                ms(relayed[SAMPLES / 2] - direct[SAMPLES / 2])));
    }

    private static double ms(long nanos) {
        return nanos / 1_000_000.0;
    }
}

package dev.ephemera.bench;

import dev.ephemera.support.Broker;
import dev.ephemera.support.FakeUpstream;
import dev.ephemera.support.TestRedis;
import dev.ephemera.support.WsClient;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The kill switch across replicas (SPEC §11): two brokers on one Redis; a realtime session opened on B, its token
 * revoked on A; the time from sending the revocation to the client's socket closed, 100 times. Not a test: run it
 * with {@code ./mvnw -q test-compile exec:java -Dexec.classpathScope=test
 * -Dexec.mainClass=dev.ephemera.bench.KillSwitchLatency}.
 */
public final class KillSwitchLatency {

    private static final Logger LOG = LoggerFactory.getLogger(KillSwitchLatency.class);
    private static final int SAMPLES = 100;

    private KillSwitchLatency() {
    }

    public static void main(String[] args) throws Exception {
        try (FakeUpstream fake = new FakeUpstream();
                Broker a = Broker.onRedis(TestRedis.uri(), Map.of("ephemera.providers.openai.base-url",
                        fake.base("openai")));
                Broker b = Broker.onRedis(TestRedis.uri(), Map.of("ephemera.providers.openai.base-url",
                        fake.base("openai")))) {
            String key = a.createKey("write", "read");
            String ws = b.url().replaceFirst("^http", "ws") + "/v1/realtime";
            long[] nanos = new long[SAMPLES];
            for (int i = 0; i < SAMPLES; i++) {
                Broker.Reply minted = a.mint(key, Map.of("provider", "openai"));
                WsClient client = WsClient.connect(ws, List.of("ephemera", "ephemera-token."
                        + minted.string("value")), Map.of());
                awaitListed(a, key, minted.string("id"));
                long start = System.nanoTime();
                if (a.delete("/v1/tokens/" + minted.string("id"), key).status() != 204) {
                    throw new IllegalStateException("revocation refused");
                }
                int code = client.closeCode.get(5, TimeUnit.SECONDS);
                nanos[i] = System.nanoTime() - start;
                if (code != 1008) {
                    throw new IllegalStateException("closed with " + code);
                }
            }
            Arrays.sort(nanos);
            LOG.info("Revoke on A to socket closed on B, {} samples: median {} ms, p90 {} ms, max {} ms", SAMPLES,
                    ms(nanos[SAMPLES / 2]), ms(nanos[SAMPLES * 9 / 10]), ms(nanos[SAMPLES - 1]));
        }
    }

    /** Waits until A lists the token's session: the session is on the live list, so revoking it finds it. */
    @SuppressWarnings("unchecked")
    private static void awaitListed(Broker a, String key, String tokenId) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (System.nanoTime() < deadline) {
            List<Map<String, Object>> live = (List<Map<String, Object>>) a.get("/v1/sessions", key).json()
                    .get("data");
            if (live.stream().anyMatch(s -> tokenId.equals(s.get("token_id")))) {
                return;
            }
            Thread.sleep(5);
        }
        throw new IllegalStateException("the session was never listed");
    }

    private static String ms(long nanos) {
        return String.format("%.1f", nanos / 1e6);
    }
}

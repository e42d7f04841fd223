package dev.ephemera.bench;

import dev.ephemera.support.Broker;
import dev.ephemera.support.FakeCalls;
import dev.ephemera.support.FakeUpstream;
import dev.ephemera.support.TestRedis;
import dev.ephemera.support.WsClient;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The kill switch across replicas (SPEC §11): two brokers on one Redis; a session opened on B, its token revoked on
 * A, 100 times (after 20 not counted) for each transport: a realtime WebSocket session (the time from sending the
 * revocation to the client's socket closed with 1008) and a WebRTC call (the time from sending the revocation to
 * the fake provider receiving B's hang-up, {@code POST …/realtime/calls/{id}/hangup}; the fake is in this process,
 * its counter is polled every 20 µs). Not a test: run it as bench/README.md says for {@code RelayLatency} ({@code
 * exec:java} fails on the exec plugin's arguments that the Micronaut parent configures for {@code exec:exec}).
 */
public final class KillSwitchLatency {

    private static final Logger LOG = LoggerFactory.getLogger(KillSwitchLatency.class);
    private static final int WARMUP = 20;
    private static final int SAMPLES = 100;

    private KillSwitchLatency() {
    }

    public static void main(String[] args) throws Exception {
        try (FakeUpstream fake = new FakeUpstream();
                Broker a = Broker.onRedis(TestRedis.uri(), config(fake));
                Broker b = Broker.onRedis(TestRedis.uri(), config(fake))) {
            String key = a.createKey("write", "read");
            long[] socket = new long[SAMPLES];
            for (int i = -WARMUP; i < SAMPLES; i++) {
                long nanos = webSocket(a, b, key);
                if (i >= 0) {
                    socket[i] = nanos;
                }
            }
            Samples.log(LOG, "WebSocket: revoke on A to socket closed on B", socket);
            CallClient calls = new CallClient(b.url());
            long[] hangup = new long[SAMPLES];
            for (int i = -WARMUP; i < SAMPLES; i++) {
                long nanos = call(a, calls, key, fake);
                if (i >= 0) {
                    hangup[i] = nanos;
                }
                fake.recorder().reset();
            }
            Samples.log(LOG, "WebRTC call: revoke on A to the provider's hang-up from B", hangup);
        }
    }

    /** The fake as OpenAI; mints limited far above what the runs take (600 a minute by default). */
    private static Map<String, Object> config(FakeUpstream fake) {
        return Map.of("ephemera.providers.openai.base-url", fake.base("openai"),
                "ephemera.rate-limits.per-key-per-minute", 100_000);
    }

    private static long webSocket(Broker a, Broker b, String key) throws Exception {
        String ws = b.url().replaceFirst("^http", "ws") + "/v1/realtime";
        Broker.Reply minted = a.mint(key, Map.of("provider", "openai"));
        WsClient client = WsClient.connect(ws, List.of("ephemera", "ephemera-token." + minted.string("value")),
                Map.of());
        awaitListed(a, key, minted.string("id"));
        long start = System.nanoTime();
        if (a.delete("/v1/tokens/" + minted.string("id"), key).status() != 204) {
            throw new IllegalStateException("revocation refused");
        }
        int code = client.closeCode.get(5, TimeUnit.SECONDS);
        long nanos = System.nanoTime() - start;
        if (code != 1008) {
            throw new IllegalStateException("closed with " + code);
        }
        return nanos;
    }

    /** A call through B, watched (its sideband attached at the fake) and listed on A, then its token revoked on A. */
    private static long call(Broker a, CallClient calls, String key, FakeUpstream fake) throws Exception {
        Broker.Reply minted = a.mint(key, Map.of("provider", "openai"));
        CallClient.Answer answer = calls.offer(minted.string("value"));
        if (answer.status() != 201) {
            throw new IllegalStateException("the offer was refused: " + answer.status() + " " + answer.body());
        }
        FakeCalls.Call call = fake.recorder().calls.last();
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (call.sidebandsOpen() != 1) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the sideband was never attached");
            }
            Thread.sleep(1);
        }
        awaitListed(a, key, minted.string("id"));
        long start = System.nanoTime();
        if (a.delete("/v1/tokens/" + minted.string("id"), key).status() != 204) {
            throw new IllegalStateException("revocation refused");
        }
        deadline = start + Duration.ofSeconds(5).toNanos();
        while (call.hangups.get() == 0) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("no hang-up within 5 s of the revocation (" + call.id + ")");
            }
            LockSupport.parkNanos(20_000);
        }
        long nanos = System.nanoTime() - start;
        if (call.hangups.get() != 1) {
            throw new IllegalStateException(call.hangups.get() + " hang-ups of one call");
        }
        return nanos;
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
}

package dev.ephemera.bench;

import dev.ephemera.support.Broker;
import dev.ephemera.support.FakeCalls;
import dev.ephemera.support.FakeUpstream;
import dev.ephemera.support.TestRedis;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What attaching the sideband adds to a WebRTC call's SDP answer (issue 28): the time of {@code POST
 * /v1/realtime/calls} through one broker on Redis against the fake provider, for a plain token (the answer does
 * not wait for the sideband), a token limited to a session's seconds (the answer waits for the sideband and nothing
 * else differs) and a token with a budget of tokens (waits too, and also reads the token's usage and sends the
 * session config with the output cap); and the offer posted straight to the fake, for scale. Rounds take the kinds
 * in turn (the first kind rotates), each call is ended and its hang-up awaited before the next is timed; 200 rounds
 * of warm-up, then {@code SAMPLES} (300). Not a test: run it as bench/README.md says for {@code RelayLatency}.
 */
public final class CallAnswerLatency {

    private static final Logger LOG = LoggerFactory.getLogger(CallAnswerLatency.class);
    private static final int WARMUP = 200;
    private static final int SAMPLES = Integer.getInteger("samples", 300);
    private static final java.util.concurrent.atomic.AtomicInteger NOT_YET_LISTED =
            new java.util.concurrent.atomic.AtomicInteger();

    private enum Kind {
        DIRECT(null), PLAIN(Map.of()), SECONDS(Map.of("max_session_seconds", 3600)),
        BUDGET(Map.of("max_total_tokens", 1_000_000));

        private final Map<String, Object> limits;

        Kind(Map<String, Object> limits) {
            this.limits = limits;
        }
    }

    private CallAnswerLatency() {
    }

    public static void main(String[] args) throws Exception {
        try (FakeUpstream fake = new FakeUpstream();
                Broker broker = Broker.onRedis(TestRedis.uri(), Map.of("ephemera.providers.openai.base-url",
                        fake.base("openai"), "ephemera.rate-limits.per-key-per-minute", 100_000))) {
            String key = broker.createKey("write", "read");
            CallClient calls = new CallClient(broker.url());
            HttpClient direct = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
            URI fakeCalls = URI.create(fake.base("openai") + "/realtime/calls?model=gpt-realtime");
            Kind[] kinds = Kind.values();
            long[][] nanos = new long[kinds.length][SAMPLES];
            for (int round = -WARMUP; round < SAMPLES; round++) {
                for (int k = 0; k < kinds.length; k++) {
                    Kind kind = kinds[Math.floorMod(round + k, kinds.length)];
                    long took = kind == Kind.DIRECT ? direct(direct, fakeCalls, fake)
                            : viaBroker(broker, calls, key, kind, fake);
                    if (round >= 0) {
                        nanos[kind.ordinal()][round] = took;
                    }
                }
                fake.recorder().reset();
            }
            long[][] sorted = new long[kinds.length][];
            for (Kind kind : kinds) {
                sorted[kind.ordinal()] = Samples.log(LOG, "POST " + kind, nanos[kind.ordinal()]);
            }
            LOG.info("DELETE /v1/sessions/{id} once the sideband was open answered 404 {} times over {} calls",
                    NOT_YET_LISTED.get(), (WARMUP + SAMPLES) * (kinds.length - 1));
            long[] plain = sorted[Kind.PLAIN.ordinal()];
            for (Kind waiting : List.of(Kind.SECONDS, Kind.BUDGET)) {
                long[] s = sorted[waiting.ordinal()];
                LOG.info("{} minus PLAIN: median +{} ms, p99 +{} ms", waiting,
                        Samples.ms(Samples.at(s, 50) - Samples.at(plain, 50)),
                        Samples.ms(Samples.at(s, 99) - Samples.at(plain, 99)));
            }
        }
    }

    private static long viaBroker(Broker broker, CallClient calls, String key, Kind kind, FakeUpstream fake)
            throws Exception {
        String token = broker.mint(key, Map.of("provider", "openai", "limits", kind.limits)).string("value");
        long start = System.nanoTime();
        CallClient.Answer answer = calls.offer(token);
        long took = System.nanoTime() - start;
        if (answer.status() != 201) {
            throw new IllegalStateException(kind + ": " + answer.status() + " " + answer.body());
        }
        FakeCalls.Call call = fake.recorder().calls.last();
        // The fake counts an attachment once its 101 is written, which the broker may see first: the check is that
        // the sideband's upgrade had reached the fake before the answer came.
        if (kind != Kind.PLAIN && fake.recorder().requests.stream().noneMatch(r -> r.method().equals("WEBSOCKET")
                && r.path().endsWith("call_id=" + call.id))) {
            throw new IllegalStateException(kind + ": answered before the sideband was asked for");
        }
        until(() -> call.sidebandsOpen() == 1, "the sideband attached");
        // The answer may come before the session is on the live list (it is registered alongside): an end asked
        // for then finds no session (404). Counted, and asked again until it is found.
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        for (int status = end(broker, key, answer.sessionId()); status != 204; status = end(broker, key,
                answer.sessionId())) {
            if (status != 404 || System.nanoTime() > deadline) {
                throw new IllegalStateException(kind + ": the session could not be ended (" + status + ")");
            }
            Thread.sleep(1);
        }
        until(() -> call.hangups.get() == 1 && call.sidebandsOpen() == 0, "the call hung up");
        return took;
    }

    private static int end(Broker broker, String key, String sessionId) {
        int status = broker.delete("/v1/sessions/" + sessionId, key).status();
        if (status == 404) {
            NOT_YET_LISTED.incrementAndGet();
        }
        return status;
    }

    private static long direct(HttpClient client, URI fakeCalls, FakeUpstream fake) throws Exception {
        long start = System.nanoTime();
        HttpResponse<String> answer = client.send(HttpRequest.newBuilder(fakeCalls)
                .header("Content-Type", "application/sdp").header("Authorization", "Bearer " + Broker.OPENAI_KEY)
                .POST(HttpRequest.BodyPublishers.ofString(CallClient.OFFER)).build(),
                HttpResponse.BodyHandlers.ofString());
        long took = System.nanoTime() - start;
        if (answer.statusCode() != 201) {
            throw new IllegalStateException("the fake answered " + answer.statusCode());
        }
        fake.recorder().calls.last().end();
        return took;
    }

    private static void until(java.util.function.BooleanSupplier condition, String what) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("not within 5 s: " + what);
            }
            Thread.sleep(1);
        }
    }
}

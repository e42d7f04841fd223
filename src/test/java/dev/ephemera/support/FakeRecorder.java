package dev.ephemera.support;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/** What a {@link FakeUpstream} received: every request, recorded before it was routed, and every frame. */
public final class FakeRecorder {

    /**
     * One request as the provider saw it: the raw request target, lower-case header names with every value, the
     * body as text.
     */
    public record Seen(String method, String path, Map<String, List<String>> headers, String body) {
        /** The first value of {@code name}, or null. */
        public String header(String name) {
            List<String> values = headers.get(name.toLowerCase(Locale.ROOT));
            return values == null || values.isEmpty() ? null : values.get(0);
        }

        public List<String> headers(String name) {
            return headers.getOrDefault(name.toLowerCase(Locale.ROOT), List.of());
        }
    }

    public final List<Seen> requests = new CopyOnWriteArrayList<>();
    /** The WebRTC calls and GPT-Live sessions the broker started, their sidebands and hang-ups. */
    public final FakeCalls calls = new FakeCalls();
    /** The client-side ports requests came from: one per connection the broker opened. */
    public final Set<Integer> clientPorts = ConcurrentHashMap.newKeySet();
    /** Client frames as the provider received them: text frames as text, binary frames decoded as UTF-8. */
    public final List<String> frames = new CopyOnWriteArrayList<>();
    public final List<Integer> closeCodes = new CopyOnWriteArrayList<>();
    /** The close codes the fake Gemini Live server ({@link FakeLive}) ended its sessions with. */
    public final List<Integer> liveCloseCodes = new CopyOnWriteArrayList<>();
    public final AtomicLong binaryBytes = new AtomicLong();
    /** Bytes a {@code fake.flood} got written to the broker's connection (taken by the broker or its socket). */
    public final AtomicLong floodBytesWritten = new AtomicLong();
    volatile CountDownLatch streamGate = new CountDownLatch(1);
    /** The first request or frame that held an ephemeral token; never reset. */
    final AtomicReference<String> tokenSeen = new AtomicReference<>();

    void add(Seen seen) {
        requests.add(seen);
        if (seen.toString().contains("eph_")) {
            tokenSeen.compareAndSet(null, seen.toString());
        }
    }

    void addFrame(String frame) {
        frames.add(frame);
        if (frame.contains("eph_")) {
            tokenSeen.compareAndSet(null, frame);
        }
    }

    public void reset() {
        requests.clear();
        clientPorts.clear();
        frames.clear();
        closeCodes.clear();
        liveCloseCodes.clear();
        binaryBytes.set(0);
        floodBytesWritten.set(0);
        streamGate = new CountDownLatch(1);
        calls.reset();
    }

    public Seen last() {
        return requests.get(requests.size() - 1);
    }

    /** Everything the fake received, as one text to search for secrets. */
    public String everything() {
        return requests.toString() + frames;
    }
}

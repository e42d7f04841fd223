package dev.ephemera.support;

import io.micronaut.context.annotation.Requires;
import jakarta.inject.Singleton;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;

/** What the fake providers received. */
@Singleton
@Requires(property = "fake.upstream", value = "true")
public final class FakeRecorder {

    /** One request as the provider saw it: lower-case header names. */
    public record Seen(String method, String path, Map<String, List<String>> headers, String body) {
        public String header(String name) {
            List<String> values = headers.get(name.toLowerCase(java.util.Locale.ROOT));
            return values == null || values.isEmpty() ? null : values.get(0);
        }
    }

    public final List<Seen> requests = new CopyOnWriteArrayList<>();
    /** The client-side ports requests came from: one per connection the broker opened. */
    public final java.util.Set<Integer> clientPorts = java.util.concurrent.ConcurrentHashMap.newKeySet();
    public final List<String> frames = new CopyOnWriteArrayList<>();
    public final List<Integer> closeCodes = new CopyOnWriteArrayList<>();
    public final java.util.concurrent.atomic.AtomicLong binaryBytes = new java.util.concurrent.atomic.AtomicLong();
    volatile CountDownLatch streamGate = new CountDownLatch(1);

    public void reset() {
        requests.clear();
        clientPorts.clear();
        frames.clear();
        closeCodes.clear();
        binaryBytes.set(0);
        streamGate = new CountDownLatch(1);
    }

    public Seen last() {
        return requests.get(requests.size() - 1);
    }

    /** Everything the fake received, as one text to search for secrets. */
    public String everything() {
        return requests.toString() + frames;
    }
}

package dev.ephemera.support;

import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/**
 * A local stand-in for the AI providers: an embedded server running the fake endpoints of this package
 * ({@code /fake/…}), which record what they receive (headers, bodies, frames) so tests can check what the
 * provider would have seen.
 */
public final class FakeUpstream implements AutoCloseable {

    private final EmbeddedServer server;

    public FakeUpstream() {
        this(Map.of());
    }

    /** A fake provider with more server configuration, e.g. TLS. */
    public FakeUpstream(Map<String, Object> extra) {
        Map<String, Object> config = new java.util.HashMap<>(Map.of("micronaut.server.port", -1,
                "fake.upstream", "true", "ephemera.providers.openai.api-key", "unused"));
        config.putAll(extra);
        this.server = ApplicationContext.run(EmbeddedServer.class, config);
    }

    /** Base URL of a fake provider, e.g. {@code base("openai")}. */
    public String base(String provider) {
        return server.getURL() + "/fake/" + provider;
    }

    public String websocketBase(String provider) {
        return base(provider).replaceFirst("^http", "ws");
    }

    public FakeRecorder recorder() {
        return server.getApplicationContext().getBean(FakeRecorder.class);
    }

    /** Opens the latch the streaming endpoint waits on before its second event. */
    public CountDownLatch streamGate() {
        return recorder().streamGate;
    }

    @Override
    public void close() {
        server.getApplicationContext().close();
    }
}

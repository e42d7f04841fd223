package dev.ephemera.support;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;
import java.util.regex.Pattern;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The set-up most broker tests repeat, as one JUnit extension: a broker (on the tests' Redis, or the in-memory
 * store), optionally a fake provider that the OpenAI and Anthropic presets point at, and a check after all tests
 * of the class that no secret reached any log at any level ({@link LogCapture}): the provider keys, the admin key,
 * every secret registered with {@link #secret}, and anything shaped like an ephemeral token or an API key.
 *
 * <pre>{@code
 * @RegisterExtension
 * static final BrokerExtension env = BrokerExtension.onRedis().withFakeProvider();
 * }</pre>
 */
public final class BrokerExtension implements BeforeAllCallback, AfterAllCallback {

    /** An opaque token or an API key, as generated: what no log line may hold. */
    private static final Pattern SECRET_SHAPED = Pattern.compile("eph_[0-9A-Za-z]{40,}|ephk_[0-9A-Za-z]{40,}");

    private final boolean redis;
    private final Map<String, Object> config = new HashMap<>();
    private final List<String> secrets = new CopyOnWriteArrayList<>();
    private Function<FakeUpstream, Map<String, Object>> fakeConfig;
    private FakeUpstream fake;
    private Broker broker;
    private LogCapture logs;
    private OtlpReceiver traces;

    private BrokerExtension(boolean redis) {
        this.redis = redis;
    }

    public static BrokerExtension onRedis() {
        return new BrokerExtension(true);
    }

    public static BrokerExtension inMemory() {
        return new BrokerExtension(false);
    }

    /** A broker property. */
    public BrokerExtension with(String property, Object value) {
        config.put(property, value);
        return this;
    }

    /** Broker properties. */
    public BrokerExtension with(Map<String, Object> properties) {
        config.putAll(properties);
        return this;
    }

    /** A fake provider; OpenAI's and Anthropic's base URLs point at it. */
    public BrokerExtension withFakeProvider() {
        return withFakeProvider(f -> Map.of());
    }

    /** A fake provider, and broker properties that need its address. */
    public BrokerExtension withFakeProvider(Function<FakeUpstream, Map<String, Object>> more) {
        this.fakeConfig = more;
        return this;
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        logs = new LogCapture();
        // Tracing on, into a receiver of the test's own: the spans are held to the logs' rule.
        try {
            traces = new OtlpReceiver();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        Map<String, Object> all = new HashMap<>(config);
        all.putIfAbsent("otel.exporter.otlp.endpoint", traces.endpoint());
        all.putIfAbsent("otel.bsp.schedule.delay", "100ms");
        if (fakeConfig != null) {
            fake = new FakeUpstream();
            all.put("ephemera.providers.openai.base-url", fake.base("openai"));
            all.put("ephemera.providers.anthropic.base-url", fake.base("anthropic"));
            all.putAll(fakeConfig.apply(fake));
        }
        broker = redis ? Broker.onRedis(TestRedis.uri(), all) : Broker.inMemory(all);
    }

    @Override
    public void afterAll(ExtensionContext context) {
        try {
            broker.close();
            if (fake != null) {
                fake.close();
            }
        } finally {
            // The broker flushed its spans as it closed.
            String exported = traces.exports.stream().map(b -> new String(b, StandardCharsets.ISO_8859_1))
                    .collect(java.util.stream.Collectors.joining("\n"));
            traces.close();
            String logged = logs.all();
            logs.close();
            noSecretIn(exported, "exported spans");
            noSecretIn(logged, "log lines");
        }
    }

    private void noSecretIn(String text, String what) {
        assertThat(text).as(what).doesNotContain(Broker.OPENAI_KEY, Broker.ANTHROPIC_KEY, Broker.ADMIN_KEY);
        secrets.forEach(secret -> assertThat(text).as(what).doesNotContain(secret));
        assertThat(SECRET_SHAPED.matcher(text).results().map(m -> m.group()).toList())
                .as("token- or key-shaped text in the " + what).isEmpty();
    }

    public Broker broker() {
        return broker;
    }

    public FakeUpstream fake() {
        return fake;
    }

    /** The spans the broker exported (tracing is on in every broker this extension starts). */
    public OtlpReceiver traces() {
        return traces;
    }

    /** Registers {@code value} as a secret that no log line and no exported span may hold; returns it. */
    public String secret(String value) {
        secrets.add(value);
        return value;
    }
}

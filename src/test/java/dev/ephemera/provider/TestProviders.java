package dev.ephemera.provider;

import io.micronaut.context.ApplicationContext;
import io.micronaut.json.JsonMapper;
import java.net.http.HttpClient;
import java.time.Clock;
import java.time.Duration;
import java.util.List;

/** The provider registry and upstream keys without a running application, for unit tests of what uses them. */
public final class TestProviders {

    private TestProviders() {
    }

    /** The presets, with {@code provider} given the key {@code apiKey} and every other preset without one. */
    public static ProviderRegistry withKey(String provider, String apiKey) {
        // An environment that is never started reads no property source: no key from the machine's environment.
        try (ApplicationContext unstarted = ApplicationContext.builder().build()) {
            return new ProviderRegistry(List.of(new ProviderProperties(provider, null, apiKey, null, null, null,
                    null, null, null, null)), List.of(), unstarted.getEnvironment(), VertexProperties.NONE,
                    Clock.systemUTC());
        }
    }

    public static UpstreamKeys upstreamKeys(Clock clock) {
        return new UpstreamKeys(HttpClient.newHttpClient(), JsonMapper.createDefault(), clock,
                new ProviderTimeouts(Duration.ofSeconds(5)));
    }
}

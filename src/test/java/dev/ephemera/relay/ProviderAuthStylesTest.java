package dev.ephemera.relay;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ephemera.support.Broker;
import dev.ephemera.support.Broker.Reply;
import dev.ephemera.support.BrokerExtension;
import dev.ephemera.support.FakeRecorder;
import dev.ephemera.support.FakeUpstream;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.MediaType;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * SPEC §5: the HTTP relay sends each provider its key in the provider's own style, and no other credential: the
 * fake provider answers 401 unless exactly that header carries exactly that key.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ProviderAuthStylesTest {

    private static final List<String> CREDENTIAL_HEADERS = List.of("authorization", "x-api-key", "api-key",
            "x-goog-api-key");
    @RegisterExtension
    static final BrokerExtension ENV = BrokerExtension.onRedis().withFakeProvider(fake -> {
        Map<String, Object> config = new HashMap<>();
        providers().forEach(a -> {
            String p = (String) a.get()[0];
            config.put("ephemera.providers." + p + ".base-url", fake.base(p));
            config.put("ephemera.providers." + p + ".api-key", providerKey(p));
            fake.expectKey(p, (String) a.get()[1], a.get()[2] + providerKey(p));
        });
        return config;
    });
    private FakeUpstream fake;
    private Broker broker;
    private String key;

    static Stream<Arguments> providers() {
        return Stream.of(
                Arguments.of("openai", "authorization", "Bearer ", "/chat/completions"),
                Arguments.of("anthropic", "x-api-key", "", "/v1/messages"),
                Arguments.of("gemini", "x-goog-api-key", "", "/v1beta/models/gemini-x:generateContent"),
                Arguments.of("azure", "api-key", "", "/deployments/gpt-4o/chat/completions"),
                Arguments.of("mistral", "authorization", "Bearer ", "/chat/completions"),
                Arguments.of("cohere", "authorization", "Bearer ", "/v2/chat"),
                Arguments.of("huggingface", "authorization", "Bearer ", "/chat/completions"),
                Arguments.of("glm", "authorization", "Bearer ", "/chat/completions"),
                Arguments.of("kimi", "authorization", "Bearer ", "/chat/completions"),
                Arguments.of("kimi-cn", "authorization", "Bearer ", "/chat/completions"),
                Arguments.of("zhipu", "authorization", "Bearer ", "/chat/completions"),
                Arguments.of("xai", "authorization", "Bearer ", "/chat/completions"));
    }

    private static String providerKey(String provider) {
        return "sk-test-" + provider + "-style-0000";
    }

    @BeforeAll
    void start() {
        fake = ENV.fake();
        broker = ENV.broker();
        key = ENV.secret(broker.createKey("write"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("providers")
    void eachProviderGetsItsKeyInItsOwnStyleAndNothingElse(String provider, String header, String prefix,
            String path) {
        fake.recorder().reset();
        String token = broker.mint(key, Map.of("provider", provider)).string("value");
        Reply r = broker.send(HttpRequest.POST("/v1/proxy/" + provider + path, "{\"model\":\"m\"}")
                .contentType(MediaType.APPLICATION_JSON_TYPE).bearerAuth(token));
        assertThat(r.status()).as("a 401 from the fake would be a 502 here").isNotEqualTo(502);
        FakeRecorder.Seen seen = fake.recorder().last();
        assertThat(seen.path()).isEqualTo("/fake/" + provider + path);
        assertThat(seen.headers(header)).containsExactly(prefix + providerKey(provider));
        for (String other : CREDENTIAL_HEADERS) {
            if (!other.equals(header)) {
                assertThat(seen.headers(other)).as(other).isEmpty();
            }
        }
    }
}

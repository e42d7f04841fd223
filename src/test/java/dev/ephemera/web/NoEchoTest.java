package dev.ephemera.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ephemera.support.Broker;
import dev.ephemera.support.Broker.Reply;
import dev.ephemera.support.BrokerExtension;
import io.micronaut.http.HttpMethod;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.MediaType;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;

/** SPEC §6 and §7: no error message echoes what the caller sent beyond a field name. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class NoEchoTest {

    private static final String SECRET = "eph_SeCrEtInAPathThatMustNeverComeBack0000000";
    @RegisterExtension
    static final BrokerExtension ENV = BrokerExtension.inMemory();
    private Broker broker;
    private String key;

    @BeforeAll
    void start() {
        broker = ENV.broker();
        key = ENV.secret(broker.createKey("write", "read"));
    }

    private static void assertNoEcho(Reply r, int status) {
        assertThat(r.status()).isEqualTo(status);
        assertThat(r.body()).startsWith("{\"error\":").doesNotContain("SeCrEt");
        assertThat(r.headers().asMap().toString()).doesNotContain("SeCrEt");
    }

    @Test
    void aNotFoundAnswerDoesNotEchoThePath() {
        assertNoEcho(broker.get("/v1/" + SECRET, key), 404);
        assertNoEcho(broker.get("/v1/tokens/x/" + SECRET + "?q=" + SECRET, key), 404);
    }

    @Test
    void aMethodNotAllowedAnswerDoesNotEchoTheMethod() {
        assertNoEcho(broker.send(HttpRequest.create(HttpMethod.CUSTOM, broker.url() + "/v1/tokens", "SECRETMETHOD")
                .bearerAuth(key)), 405);
    }

    @Test
    void anUnknownProviderOrProfileIsNotEchoed() {
        String token = broker.mint(key, Map.of("provider", "openai")).string("value");
        assertNoEcho(broker.send(HttpRequest.POST("/v1/proxy/" + SECRET.toLowerCase() + "/chat/completions", "{}")
                .contentType(MediaType.APPLICATION_JSON_TYPE).bearerAuth(token)), 400);
        Reply mint = broker.send(HttpRequest.POST("/v1/tokens", Map.of("provider", "secret-provider-name"))
                .bearerAuth(key));
        assertThat(mint.code()).isEqualTo("unknown_provider");
        assertThat(mint.body()).doesNotContain("secret-provider-name");
    }
}

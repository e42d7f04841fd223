package dev.ephemera.oauth;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ephemera.support.Broker;
import dev.ephemera.support.Broker.Reply;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.MediaType;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * OAuth client authentication where it is taken (the token endpoint, introspection, revocation) and refused
 * everywhere else: Basic credentials are decided on their decoded id and key, a key under another key's id is
 * refused, two ways of authenticating in one request are refused, and a {@code client_id} alone authenticates
 * nothing.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OAuthClientAuthenticationTest {

    private Broker broker;
    private String key;
    private String id;
    private String token;

    @BeforeAll
    void start() {
        broker = Broker.inMemory(Map.of());
        key = broker.createKey("read", "write");
        id = "key_" + key.substring("ephk_".length(), "ephk_".length() + 16);
        token = broker.mint(key, Map.of("provider", "openai", "max_uses", 5)).string("value");
    }

    @AfterAll
    void stop() {
        broker.close();
    }

    private Reply introspect(String body, String authorization) {
        var request = HttpRequest.POST("/v1/tokens/introspect", body)
                .contentType(MediaType.APPLICATION_FORM_URLENCODED_TYPE);
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        return broker.send(request);
    }

    private static String basic(String pair) {
        return "Basic " + Base64.getEncoder().encodeToString(pair.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void basicAndFormCredentialsIntrospect() {
        assertThat(introspect("token=" + token, basic(id + ":" + key)).json()).containsEntry("active", true);
        // Form-encoded inside Basic, as RFC 6749 §2.3.1 says; decoded before it is compared.
        assertThat(introspect("token=" + token, basic(id.replace("_", "%5F") + ":" + key)).json())
                .containsEntry("active", true);
        assertThat(introspect("token=" + token + "&client_id=" + id + "&client_secret=" + key, null).json())
                .containsEntry("active", true);
    }

    @Test
    void aKeyUnderAnotherKeysIdIsRefused() {
        String other = broker.createKey("read");
        assertThat(introspect("token=" + token, basic(id + ":" + other)).code()).isEqualTo("invalid_api_key");
        assertThat(introspect("token=" + token + "&client_id=" + id + "&client_secret=" + other, null).code())
                .isEqualTo("invalid_api_key");
    }

    @Test
    void malformedBasicIsRefusedAndBasicIsNotTakenElsewhere() {
        assertThat(introspect("token=" + token, "Basic not-base64!").code()).isEqualTo("malformed_authorization");
        assertThat(introspect("token=" + token, basic(key)).code()).isEqualTo("malformed_authorization");
        assertThat(introspect("token=" + token, basic(id + ":")).code()).isEqualTo("malformed_authorization");
        Reply mint = broker.send(HttpRequest.POST("/v1/tokens", "{\"provider\":\"openai\"}")
                .contentType(MediaType.APPLICATION_JSON_TYPE).header("Authorization", basic(id + ":" + key)));
        assertThat(mint.status()).isEqualTo(401);
        assertThat(mint.code()).isEqualTo("malformed_authorization");
    }

    @Test
    void oneWayOfAuthenticatingAtATime() {
        assertThat(introspect("token=" + token + "&client_id=" + id + "&client_secret=" + key, "Bearer " + key)
                .code()).isEqualTo("malformed_authorization");
        // A client_id alone names a public client: nothing is authenticated, so introspection needs a key.
        assertThat(introspect("token=" + token + "&client_id=" + id, null).code()).isEqualTo("missing_api_key");
        // A read-only key may introspect but not revoke.
        String reader = broker.createKey("read");
        String readerId = "key_" + reader.substring("ephk_".length(), "ephk_".length() + 16);
        Reply revoke = broker.send(HttpRequest.POST("/v1/tokens/revoke", "token=" + token)
                .contentType(MediaType.APPLICATION_FORM_URLENCODED_TYPE).header("Authorization",
                        basic(readerId + ":" + reader)));
        assertThat(revoke.code()).isEqualTo("insufficient_permissions");
    }
}

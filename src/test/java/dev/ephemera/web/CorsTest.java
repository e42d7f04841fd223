package dev.ephemera.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ephemera.support.Broker;
import dev.ephemera.support.Broker.Reply;
import dev.ephemera.support.TestIssuer;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.MediaType;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** CORS: listed origins only, echoed exactly, never *, with Vary: Origin; preflights answered before auth. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CorsTest {

    private final TestIssuer idp = new TestIssuer();
    private Broker broker;

    @BeforeAll
    void start() {
        Map<String, Object> config = new HashMap<>(idp.brokerConfig());
        config.put("ephemera.cors.allowed-origins", List.of("https://admin.example.com"));
        broker = Broker.inMemory(config);
    }

    @AfterAll
    void stop() {
        broker.close();
    }

    private Reply fetch(String origin) {
        return broker.send(HttpRequest.POST("/realtime-token", "{}").contentType(MediaType.APPLICATION_JSON_TYPE)
                .header("Origin", origin).bearerAuth(idp.user("alice")));
    }

    @ParameterizedTest
    @ValueSource(strings = {"https://evil.example", "null", "https://app.example.com.evil.example",
        "http://app.example.com", "https://app.example.com:8443", "https://evilapp.example.com"})
    void unlistedOriginsGetNoAllowOrigin(String origin) {
        Reply r = fetch(origin);
        assertThat(r.headers().get("Access-Control-Allow-Origin")).isNull();
        assertThat(r.headers().getAll("Vary")).contains("Origin");
        assertThat(r.status()).isEqualTo(403);
        assertThat(r.code()).isEqualTo("origin_not_allowed");
        Reply preflight = broker.send(HttpRequest.OPTIONS("/realtime-token").header("Origin", origin)
                .header("Access-Control-Request-Method", "POST"));
        assertThat(preflight.headers().get("Access-Control-Allow-Origin")).isNull();
        assertThat(preflight.status()).isEqualTo(403);
    }

    @Test
    void listedOriginIsEchoedExactlyAndVaryIsSet() {
        Reply r = fetch("https://app.example.com");
        assertThat(r.status()).isEqualTo(201);
        assertThat(r.headers().get("Access-Control-Allow-Origin")).isEqualTo("https://app.example.com");
        assertThat(r.headers().getAll("Vary")).contains("Origin");
        assertThat(r.headers().get("Access-Control-Allow-Credentials")).isNull();
        assertThat(r.headers().get("Access-Control-Expose-Headers")).contains("Retry-After");
    }

    @Test
    void preflightFromAListedOriginIsAnsweredWithoutCredentials() {
        Reply preflight = broker.send(HttpRequest.OPTIONS("/realtime-token")
                .header("Origin", "https://admin.example.com")
                .header("Access-Control-Request-Method", "POST")
                .header("Access-Control-Request-Headers", "authorization, content-type"));
        assertThat(preflight.status()).isEqualTo(204);
        assertThat(preflight.headers().get("Access-Control-Allow-Origin")).isEqualTo("https://admin.example.com");
        assertThat(preflight.headers().get("Access-Control-Allow-Headers")).contains("authorization");
        assertThat(preflight.headers().get("Access-Control-Allow-Methods")).contains("POST");
        assertThat(preflight.headers().get("Access-Control-Allow-Origin")).isNotEqualTo("*");
    }

    /**
     * Spellings of an allowed origin that a browser never sends: a trailing slash, a default port written out, a
     * trailing dot. Each is another origin to the browser, so none is allowed; the case of scheme and host is not
     * part of an origin, and a differently cased one is answered with the origin as it was sent.
     */
    @ParameterizedTest
    @ValueSource(strings = {"https://app.example.com/", "https://app.example.com:443", "https://app.example.com.",
        "https://app.example.com/x", "https://user@app.example.com"})
    void otherSpellingsOfAnAllowedOriginAreNotIt(String origin) {
        Reply r = fetch(origin);
        assertThat(r.status()).as(origin).isEqualTo(403);
        assertThat(r.code()).isEqualTo("origin_not_allowed");
        assertThat(r.headers().get("Access-Control-Allow-Origin")).isNull();
    }

    @Test
    void theCaseOfSchemeAndHostDoesNotMatter() {
        Reply r = fetch("HTTPS://App.Example.COM");
        assertThat(r.status()).isEqualTo(201);
        assertThat(r.headers().get("Access-Control-Allow-Origin")).isEqualTo("HTTPS://App.Example.COM");
    }

    /** The relays are called from pages too: their preflights get the same answer as the mint's. */
    @ParameterizedTest
    @ValueSource(strings = {"/v1/proxy/openai/chat/completions", "/v1/realtime/calls"})
    void preflightsOnRelayRoutesFollowTheSameList(String path) {
        Reply listed = broker.send(HttpRequest.OPTIONS(path).header("Origin", "https://app.example.com")
                .header("Access-Control-Request-Method", "POST")
                .header("Access-Control-Request-Headers", "authorization, content-type"));
        assertThat(listed.status()).isEqualTo(204);
        assertThat(listed.headers().get("Access-Control-Allow-Origin")).isEqualTo("https://app.example.com");
        assertThat(listed.headers().get("Access-Control-Allow-Headers")).contains("authorization");
        Reply unlisted = broker.send(HttpRequest.OPTIONS(path).header("Origin", "https://evil.example")
                .header("Access-Control-Request-Method", "POST"));
        assertThat(unlisted.status()).isEqualTo(403);
        assertThat(unlisted.headers().get("Access-Control-Allow-Origin")).isNull();
    }
}

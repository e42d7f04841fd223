package dev.ephemera;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.atlassian.oai.validator.OpenApiInteractionValidator;
import com.atlassian.oai.validator.model.Request;
import com.atlassian.oai.validator.model.SimpleRequest;
import com.atlassian.oai.validator.model.SimpleResponse;
import com.atlassian.oai.validator.report.ValidationReport;
import dev.ephemera.support.Broker;
import dev.ephemera.support.Broker.Reply;
import dev.ephemera.support.FakeUpstream;
import dev.ephemera.support.TestIssuer;
import dev.ephemera.support.WsClient;
import io.micronaut.http.HttpMethod;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.MediaType;
import io.micronaut.http.MutableHttpRequest;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Real requests and responses of the running broker, checked against {@code openapi.yml} by Atlassian's
 * swagger-request-validator: a field the contract does not list, a status it does not document or a body of the
 * wrong shape fails the test, and each call must get the one status named for it. Every path in the contract is
 * called, the relays against a fake provider.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OpenApiConformanceTest {

    private final OpenApiInteractionValidator validator = OpenApiInteractionValidator
            .createForSpecificationUrl(Path.of("openapi.yml").toAbsolutePath().toUri().toString())
            .build();
    private static final MediaType FORM = MediaType.APPLICATION_FORM_URLENCODED_TYPE;

    private final List<String> problems = new ArrayList<>();
    private final TestIssuer idp = new TestIssuer();
    private FakeUpstream fake;
    private Broker broker;

    @BeforeAll
    void start() {
        fake = new FakeUpstream();
        Map<String, Object> config = new HashMap<>(idp.brokerConfig());
        config.put("ephemera.providers.openai.base-url", fake.base("openai"));
        config.put("ephemera.profiles.voice.limits.max-cost-usd", "0.50");
        config.put("ephemera.profiles.voice.per-subject-budget.usd-per-day", "2.00");
        config.put("test.unpriced-model", "gpt-unpriced");
        broker = Broker.inMemory(config);
    }

    @AfterAll
    void stop() {
        broker.close();
        fake.close();
    }

    /**
     * Sends the request, asserts the one status it must get, and checks request and response against the contract
     * (only the response when the request is deliberately bad).
     */
    private Reply exchange(int status, MutableHttpRequest<?> http, String body, boolean validRequest) {
        Reply reply = broker.send(http);
        assertThat(reply.status()).as(http.getMethodName() + " " + http.getPath() + ": " + reply.body())
                .isEqualTo(status);
        SimpleRequest.Builder request = new SimpleRequest.Builder(http.getMethodName(), contractPath(http.getPath()));
        http.getParameters().forEach((name, values) -> request.withQueryParam(name, values));
        http.getHeaders().forEach((name, values) -> request.withHeader(name, values));
        if (body != null) {
            request.withBody(body);
        }
        SimpleResponse.Builder response = SimpleResponse.Builder.status(reply.status());
        reply.headers().forEach((name, values) -> response.withHeader(name, values));
        if (!reply.body().isEmpty()) {
            response.withBody(reply.body());
        }
        Request built = request.build();
        ValidationReport report = validRequest
                ? validator.validate(built, response.build())
                : validator.validateResponse(contractPath(http.getPath()), Request.Method.valueOf(http.getMethodName()),
                        response.build());
        report.getMessages().stream()
                .filter(m -> m.getLevel() == ValidationReport.Level.ERROR)
                .forEach(m -> problems.add(http.getMethodName() + " " + http.getPath() + " -> " + reply.status()
                        + ": " + m.getKey() + " " + m.getMessage()));
        return reply;
    }

    /**
     * The path as the contract's templates can match it: OpenAPI has no template for "any number of segments", so the
     * relayed path of {@code /v1/proxy/{provider}/{path}} is checked as one segment.
     */
    private static String contractPath(String path) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(/v1/proxy/[^/]+/)(.+)").matcher(path);
        return m.matches() ? m.group(1) + m.group(2).replace('/', '~') : path;
    }

    private Reply json(int status, String method, String path, String key, String body, boolean valid) {
        MutableHttpRequest<?> http = body == null
                ? HttpRequest.create(HttpMethod.valueOf(method), path)
                : HttpRequest.create(HttpMethod.valueOf(method), path).body(body)
                        .contentType(MediaType.APPLICATION_JSON_TYPE);
        if (key != null) {
            http = http.bearerAuth(key);
        }
        return exchange(status, http, body, valid);
    }

    private Reply form(int status, String path, String key, String body) {
        return exchange(status, HttpRequest.POST(path, body).contentType(MediaType.APPLICATION_FORM_URLENCODED_TYPE)
                .bearerAuth(key), body, true);
    }

    private String newKey(String... permissions) {
        return json(201, "POST", "/v1/admin/keys", Broker.ADMIN_KEY, "{\"name\":\"k\",\"permissions\":[\""
                + String.join("\",\"", permissions) + "\"]}", true).string("key");
    }

    @Test
    void everyDocumentedInteractionConformsToTheContract() {
        String admin = Broker.ADMIN_KEY;
        Reply created = json(201, "POST", "/v1/admin/keys", admin, "{\"name\":\"svc\",\"permissions\":[\"read\","
                + "\"write\"],\"expires_in\":3600,\"allowed_providers\":[\"openai\"],\"rate_limit_per_minute\":50,"
                + "\"budget\":{\"tokens_per_day\":1000000}}", true);
        String key = created.string("key");
        String keyId = created.string("id");
        json(200, "GET", "/v1/admin/keys", admin, null, true);
        json(200, "GET", "/v1/admin/keys/" + keyId, admin, null, true);
        json(200, "POST", "/v1/admin/keys/" + keyId + "/rotate", admin, "{\"grace_seconds\":60}", true);
        json(404, "GET", "/v1/admin/keys/key_AAAAAAAAAAAAAAAA", admin, null, true);

        Reply opaque = json(201, "POST", "/v1/tokens", key, "{\"provider\":\"openai\",\"model\":\"gpt-realtime\","
                + "\"ttl_seconds\":60,\"format\":\"opaque\",\"max_uses\":2,\"subject\":\"user-1\","
                + "\"origin\":\"https://app.example.com\",\"mode\":\"relay\",\"session\":{\"voice\":\"alloy\"},"
                + "\"locked_fields\":[\"voice\"],\"endpoints\":[\"POST /chat/completions\"]}", true);
        Reply jwt = json(201, "POST", "/v1/tokens", key, "{\"provider\":\"openai\",\"format\":\"jwt\"}", true);
        form(200, "/v1/tokens/introspect", key, "token=" + opaque.string("value"));
        json(200, "POST", "/v1/tokens/introspect", key, "{\"token\":\"" + jwt.string("value")
                + "\",\"consume\":true}", true);
        json(401, "POST", "/v1/tokens/introspect", key, "{\"token\":\"" + jwt.string("value")
                + "\",\"consume\":true}", true);
        form(200, "/v1/tokens/introspect", key, "token=" + jwt.string("value"));
        form(200, "/v1/tokens/revoke", key, "token=" + opaque.string("value"));
        Reply third = json(201, "POST", "/v1/tokens", key, "{\"provider\":\"openai\"}", true);
        json(204, "DELETE", "/v1/tokens/" + third.string("id"), key, null, true);
        json(404, "DELETE", "/v1/tokens/" + third.string("id"), key, null, true);

        json(400, "POST", "/v1/tokens", key, "{\"provider\":", false);
        json(400, "POST", "/v1/tokens", key, "{\"provider\":\"openai\",\"ttl_seconds\":1}", false);
        json(400, "POST", "/v1/tokens", key, "{\"provider\":\"openai\",\"endpoints\":[\"GET /files\"]}", true);
        json(403, "POST", "/v1/tokens", key, "{\"provider\":\"anthropic\"}", true);
        json(401, "POST", "/v1/tokens", null, "{\"provider\":\"openai\"}", false);
        json(401, "POST", "/v1/tokens", "ephk_nonsense", "{\"provider\":\"openai\"}", true);
        json(403, "GET", "/v1/admin/keys", key, null, true);
        json(200, "DELETE", "/v1/admin/keys/" + keyId + "?cascade=true", admin, null, true);
        json(401, "POST", "/v1/tokens", key, "{\"provider\":\"openai\"}", true);

        // A fresh key: the first one was just revoked, and the 200s below must be 200s.
        String writer = newKey("read", "write");
        json(200, "GET", "/v1/admin/providers", admin, null, true);

        // The OAuth token endpoint (RFC 6749 §4.4, RFC 8693) and OAuth client authentication on introspection.
        String writerId = "key_" + writer.substring("ephk_".length(), "ephk_".length() + 16);
        String credentials = "grant_type=client_credentials&provider=openai&model=gpt-realtime";
        Reply issued = exchange(200, HttpRequest.POST("/oauth2/token", credentials).contentType(FORM)
                .basicAuth(writerId, writer), credentials, true);
        String posted = credentials + "&client_id=" + writerId + "&client_secret=" + writer;
        exchange(200, HttpRequest.POST("/oauth2/token", posted).contentType(FORM), posted, true);
        String exchanged = "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Atoken-exchange&subject_token="
                + idp.user("alice") + "&subject_token_type=urn%3Aietf%3Aparams%3Aoauth%3Atoken-type%3Ajwt";
        exchange(200, HttpRequest.POST("/oauth2/token", exchanged).contentType(FORM)
                .header("Origin", "https://app.example.com"), exchanged, true);
        exchange(401, HttpRequest.POST("/oauth2/token", credentials).contentType(FORM), credentials, true);
        exchange(401, HttpRequest.POST("/oauth2/token", credentials).contentType(FORM)
                .basicAuth(writerId, "ephk_wrong"), credentials, true);
        exchange(400, HttpRequest.POST("/oauth2/token", "grant_type=password").contentType(FORM),
                "grant_type=password", false);
        String forged = exchanged.replace(idp.user("alice"), "eyJhbGciOiJub25lIn0.e30.");
        exchange(400, HttpRequest.POST("/oauth2/token", forged).contentType(FORM), forged, true);
        String introspected = "token=" + issued.string("access_token");
        exchange(200, HttpRequest.POST("/v1/tokens/introspect", introspected).contentType(FORM)
                .basicAuth(writerId, writer), introspected, true);
        String introspectedPost = introspected + "&client_id=" + writerId + "&client_secret=" + writer;
        exchange(200, HttpRequest.POST("/v1/tokens/introspect", introspectedPost).contentType(FORM),
                introspectedPost, true);
        exchange(200, HttpRequest.POST("/v1/tokens/revoke", introspectedPost).contentType(FORM), introspectedPost,
                true);
        json(200, "POST", "/v1/realtime/client_secrets", writer, "{\"expires_after\":{\"anchor\":\"created_at\","
                + "\"seconds\":60},\"session\":{\"type\":\"realtime\",\"model\":\"gpt-realtime\"}}", true);
        json(502, "POST", "/v1/tokens", writer, "{\"provider\":\"gemini\"}", true);
        json(200, "GET", "/.well-known/jwks.json", null, null, true);
        json(200, "GET", "/.well-known/oauth-authorization-server", null, null, true);
        json(200, "GET", "/health/liveness", null, null, true);
        json(200, "GET", "/health/readiness", null, null, true);
        json(200, "GET", "/prometheus", null, null, true);
        exchange(200, HttpRequest.GET("/ephemera.js"), null, true);
        exchange(404, HttpRequest.GET("/"), null, true);  // the demo page is off unless ephemera.demo.enabled
        exchange(404, HttpRequest.GET("/demo/credential"), null, true);  // and its credential, unless in development

        // /realtime-token: a user JWT on an allowed origin, narrowing the profile; refusals.
        exchange(201, HttpRequest.POST("/realtime-token", "{\"ttl_seconds\":30,\"max_uses\":1}")
                .contentType(MediaType.APPLICATION_JSON_TYPE).header("Origin", "https://app.example.com")
                .bearerAuth(idp.user("alice")), "{\"ttl_seconds\":30,\"max_uses\":1}", true);
        exchange(403, HttpRequest.POST("/realtime-token", "{}").contentType(MediaType.APPLICATION_JSON_TYPE)
                .header("Origin", "https://evil.example").bearerAuth(idp.user("alice")), "{}", true);
        exchange(400, HttpRequest.POST("/realtime-token", "{\"ttl_seconds\":3600}")
                .contentType(MediaType.APPLICATION_JSON_TYPE).header("Origin", "https://app.example.com")
                .bearerAuth(idp.user("alice")), "{\"ttl_seconds\":3600}", false);

        // The relays, against a fake provider.
        String relayToken = json(201, "POST", "/v1/tokens", writer, "{\"provider\":\"openai\",\"max_uses\":3}", true)
                .string("value");
        exchange(200, HttpRequest.POST("/v1/proxy/openai/chat/completions", "{\"model\":\"gpt-4o\"}")
                .contentType(MediaType.APPLICATION_JSON_TYPE).bearerAuth(relayToken), "{\"model\":\"gpt-4o\"}", true);
        exchange(403, HttpRequest.POST("/v1/proxy/openai/files", "{}").contentType(MediaType.APPLICATION_JSON_TYPE)
                .bearerAuth(relayToken), "{}", true);
        exchange(401, HttpRequest.POST("/v1/proxy/openai/chat/completions", "{}")
                .contentType(MediaType.APPLICATION_JSON_TYPE).bearerAuth("eph_unknown"), "{}", true);
        MediaType sdp = new MediaType("application/sdp");
        exchange(201, HttpRequest.POST("/v1/realtime/calls?model=gpt-realtime", "v=0\r\n").contentType(sdp)
                .bearerAuth(relayToken), "v=0\r\n", true);
        exchange(401, HttpRequest.POST("/v1/realtime/calls", "v=0\r\n").contentType(sdp).bearerAuth("eph_unknown"),
                "v=0\r\n", true);
        exchange(401, HttpRequest.GET("/v1/realtime?model=gpt-realtime").bearerAuth("eph_unknown"), null, true);
        String liveToken = json(201, "POST", "/v1/tokens", writer, "{\"provider\":\"openai\",\"model\":"
                + "\"gpt-live-1\",\"max_uses\":3}", true).string("value");
        String liveBody = "{\"session\":{\"model\":\"gpt-live-1\"},\"transport\":{\"type\":\"webrtc\","
                + "\"sdp\":\"v=0\\r\\n\"}}";
        exchange(200, HttpRequest.POST("/v1/live/sessions", liveBody).contentType(MediaType.APPLICATION_JSON_TYPE)
                .bearerAuth(liveToken), liveBody, true);
        exchange(201, HttpRequest.POST("/v1/live/sessions", "v=0\r\n").contentType(sdp).bearerAuth(liveToken),
                "v=0\r\n", true);
        exchange(400, HttpRequest.POST("/v1/live/sessions", "{\"transport\":{}}")
                .contentType(MediaType.APPLICATION_JSON_TYPE).bearerAuth(liveToken), "{\"transport\":{}}", false);

        // Live sessions and receipts (SPEC §11).
        Reply limited = json(201, "POST", "/v1/tokens", writer, "{\"provider\":\"openai\",\"limits\":"
                + "{\"max_total_tokens\":20000,\"max_session_seconds\":300,\"max_responses\":50}}", true);
        json(400, "POST", "/v1/tokens", writer, "{\"provider\":\"openai\",\"limits\":{\"max_responses\":0}}",
                false);

        // Limits of money (SPEC §11): decimal strings, numbers accepted; a key's budgets; a model without a price.
        json(201, "POST", "/v1/tokens", writer, "{\"provider\":\"openai\",\"model\":\"gpt-realtime\","
                + "\"limits\":{\"max_cost_usd\":\"0.50\"}}", true);
        json(201, "POST", "/v1/tokens", writer, "{\"provider\":\"openai\",\"limits\":{\"max_cost_usd\":2.25}}", true);
        json(400, "POST", "/v1/tokens", writer, "{\"provider\":\"openai\",\"limits\":{\"max_cost_usd\":"
                + "\"0.1234567\"}}", true);
        json(403, "POST", "/v1/tokens", writer, "{\"provider\":\"openai\",\"model\":\"gpt-unpriced\","
                + "\"limits\":{\"max_cost_usd\":\"1\"}}", true);
        Reply spender = json(201, "POST", "/v1/admin/keys", admin, "{\"name\":\"spender\",\"permissions\":"
                + "[\"write\"],\"budget\":{\"usd_per_day\":\"25.00\",\"usd_per_month\":500}}", true);
        json(200, "GET", "/v1/admin/keys/" + spender.string("id"), admin, null, true);
        json(400, "POST", "/v1/admin/keys", admin, "{\"name\":\"k\",\"permissions\":[\"write\"],\"budget\":"
                + "{\"usd_per_day\":\"-1\"}}", false);
        json(201, "POST", "/v1/tokens", spender.string("key"), "{\"provider\":\"openai\"}", true);
        json(200, "GET", "/v1/tokens/" + limited.string("id"), writer, null, true);

        // The usage report: the relayed request above in every grouping's rows, filtered, refused.
        await().atMost(Duration.ofSeconds(5)).until(() -> !((List<?>) json(200, "GET", "/v1/usage", writer, null,
                true).json().get("data")).isEmpty());
        for (String by : List.of("day", "model", "key", "subject")) {
            json(200, "GET", "/v1/usage?group_by=" + by, writer, null, true);
        }
        String today = java.time.LocalDate.ofInstant(broker.clock().instant(), java.time.ZoneOffset.UTC).toString();
        json(200, "GET", "/v1/usage?key=" + writerId + "&provider=openai&model=gpt-4o&subject=user-1&from=" + today
                + "&to=" + today + "&group_by=model", admin, null, true);
        json(403, "GET", "/v1/usage?key=" + keyId, writer, null, true);
        json(400, "GET", "/v1/usage?from=2025-02-30", writer, null, false);
        json(400, "GET", "/v1/usage?group_by=week", writer, null, false);

        // Webhooks (SPEC §11): an IP literal, so that nothing needs DNS; deliveries to it fail in the background.
        String hooks = newKey("webhook");
        Reply hook = json(201, "POST", "/v1/webhooks", hooks, "{\"url\":\"https://93.184.215.14/hook\","
                + "\"events\":[\"token.minted\",\"session.closed\"],\"description\":\"billing\"}", true);
        json(400, "POST", "/v1/webhooks", hooks, "{\"url\":\"https://127.0.0.1/hook\",\"events\":"
                + "[\"token.minted\"]}", true);
        json(403, "POST", "/v1/webhooks", writer, "{\"url\":\"https://93.184.215.14/hook\",\"events\":"
                + "[\"token.minted\"]}", true);
        json(200, "GET", "/v1/webhooks", hooks, null, true);
        json(200, "GET", "/v1/webhooks/" + hook.string("id"), hooks, null, true);
        json(200, "POST", "/v1/webhooks/" + hook.string("id") + "/rotate", hooks, null, true);
        json(200, "GET", "/v1/webhooks/" + hook.string("id") + "/deliveries", hooks, null, true);
        json(204, "DELETE", "/v1/webhooks/" + hook.string("id"), hooks, null, true);
        json(404, "GET", "/v1/webhooks/" + hook.string("id"), hooks, null, true);
        json(400, "GET", "/v1/webhooks/nope", hooks, null, true);
        json(404, "GET", "/v1/tokens/tok_AAAAAAAAAAAAAAAAAAAAAAAA", writer, null, true);
        WsClient live = connect(limited.string("value"));
        String sessionId = await().atMost(Duration.ofSeconds(5)).until(() -> ((List<?>) json(200, "GET",
                "/v1/sessions", writer, null, true).json().get("data")).stream().map(s -> (Map<?, ?>) s)
                .filter(s -> limited.string("id").equals(s.get("token_id"))).map(s -> (String) s.get("id"))
                .findFirst().orElse(null), Objects::nonNull);
        json(200, "GET", "/v1/sessions/" + sessionId, writer, null, true);
        json(204, "DELETE", "/v1/sessions/" + sessionId, writer, null, true);
        await().atMost(Duration.ofSeconds(5)).until(() -> live.closeCode.isDone());
        await().atMost(Duration.ofSeconds(5)).until(() -> broker.get("/v1/sessions/" + sessionId, writer).status()
                == 404);
        json(404, "GET", "/v1/sessions/" + sessionId, writer, null, true);
        json(404, "DELETE", "/v1/sessions/" + sessionId, writer, null, true);
        json(400, "GET", "/v1/sessions/not-a-session", writer, null, true);
        json(200, "GET", "/v1/tokens/" + limited.string("id"), writer, null, true);

        assertThat(problems).isEmpty();
    }

    private WsClient connect(String token) {
        try {
            return WsClient.connect(broker.url().replaceFirst("^http", "ws") + "/v1/realtime",
                    List.of("ephemera", "ephemera-token." + token), Map.of());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void contractCatchesAnUndocumentedField() {
        SimpleResponse response = SimpleResponse.Builder.status(200)
                .withContentType("application/json")
                .withBody("{\"active\":false,\"secret\":\"x\"}")
                .build();
        ValidationReport report = validator.validateResponse("/v1/tokens/introspect", Request.Method.POST, response);
        assertThat(report.hasErrors()).as("the validator must be strict for this test to mean anything").isTrue();
    }
}

package dev.ephemera;

import static org.assertj.core.api.Assertions.assertThat;

import com.atlassian.oai.validator.OpenApiInteractionValidator;
import com.atlassian.oai.validator.model.Request;
import com.atlassian.oai.validator.model.SimpleRequest;
import com.atlassian.oai.validator.model.SimpleResponse;
import com.atlassian.oai.validator.report.ValidationReport;
import dev.ephemera.support.Broker;
import dev.ephemera.support.Broker.Reply;
import io.micronaut.http.HttpMethod;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.MediaType;
import io.micronaut.http.MutableHttpRequest;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Real requests and responses of the running broker, checked against {@code openapi.yml} by Atlassian's
 * swagger-request-validator: a field the contract does not list, a status it does not document or a body of the
 * wrong shape fails the test.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OpenApiConformanceTest {

    private final OpenApiInteractionValidator validator = OpenApiInteractionValidator
            .createForSpecificationUrl(Path.of("openapi.yml").toAbsolutePath().toUri().toString())
            .build();
    private final List<String> problems = new ArrayList<>();
    private Broker broker;

    @BeforeAll
    void start() {
        broker = Broker.inMemory(Map.of());
    }

    @AfterAll
    void stop() {
        broker.close();
    }

    /** Sends the request; checks request and response against the contract (only the response when bad). */
    private Reply exchange(MutableHttpRequest<?> http, String body, boolean validRequest) {
        Reply reply = broker.send(http);
        SimpleRequest.Builder request = new SimpleRequest.Builder(http.getMethodName(), http.getPath());
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
                : validator.validateResponse(http.getPath(), Request.Method.valueOf(http.getMethodName()),
                        response.build());
        report.getMessages().stream()
                .filter(m -> m.getLevel() == ValidationReport.Level.ERROR)
                .forEach(m -> problems.add(http.getMethodName() + " " + http.getPath() + " -> " + reply.status()
                        + ": " + m.getKey() + " " + m.getMessage()));
        return reply;
    }

    private Reply json(String method, String path, String key, String body, boolean valid) {
        MutableHttpRequest<?> http = body == null
                ? HttpRequest.create(HttpMethod.valueOf(method), path)
                : HttpRequest.create(HttpMethod.valueOf(method), path).body(body)
                        .contentType(MediaType.APPLICATION_JSON_TYPE);
        if (key != null) {
            http = http.bearerAuth(key);
        }
        return exchange(http, body, valid);
    }

    private Reply form(String path, String key, String body) {
        return exchange(HttpRequest.POST(path, body).contentType(MediaType.APPLICATION_FORM_URLENCODED_TYPE)
                .bearerAuth(key), body, true);
    }

    @Test
    void everyDocumentedInteractionConformsToTheContract() {
        String admin = Broker.ADMIN_KEY;
        Reply created = json("POST", "/v1/admin/keys", admin, "{\"name\":\"svc\",\"permissions\":[\"read\","
                + "\"write\"],\"expires_in\":3600,\"allowed_providers\":[\"openai\"],\"rate_limit_per_minute\":5}",
                true);
        String key = created.string("key");
        String keyId = created.string("id");
        json("GET", "/v1/admin/keys", admin, null, true);
        json("GET", "/v1/admin/keys/" + keyId, admin, null, true);
        json("POST", "/v1/admin/keys/" + keyId + "/rotate", admin, "{\"grace_seconds\":60}", true);
        json("GET", "/v1/admin/keys/key_AAAAAAAAAAAAAAAA", admin, null, true);

        Reply opaque = json("POST", "/v1/tokens", key, "{\"provider\":\"openai\",\"model\":\"gpt-realtime\","
                + "\"ttl_seconds\":60,\"format\":\"opaque\",\"max_uses\":2,\"subject\":\"user-1\","
                + "\"origin\":\"https://app.example.com\",\"mode\":\"relay\",\"session\":{\"voice\":\"alloy\"},"
                + "\"locked_fields\":[\"voice\"]}", true);
        Reply jwt = json("POST", "/v1/tokens", key, "{\"provider\":\"openai\",\"format\":\"jwt\"}", true);
        form("/v1/tokens/introspect", key, "token=" + opaque.string("value"));
        json("POST", "/v1/tokens/introspect", key, "{\"token\":\"" + jwt.string("value") + "\",\"consume\":true}",
                true);
        json("POST", "/v1/tokens/introspect", key, "{\"token\":\"" + jwt.string("value") + "\",\"consume\":true}",
                true);
        form("/v1/tokens/introspect", key, "token=" + jwt.string("value"));
        form("/v1/tokens/revoke", key, "token=" + opaque.string("value"));
        Reply third = json("POST", "/v1/tokens", key, "{\"provider\":\"openai\"}", true);
        json("DELETE", "/v1/tokens/" + third.string("id"), key, null, true);
        json("DELETE", "/v1/tokens/" + third.string("id"), key, null, true);

        json("POST", "/v1/tokens", key, "{\"provider\":", false);
        json("POST", "/v1/tokens", key, "{\"provider\":\"openai\",\"ttl_seconds\":1}", false);
        json("POST", "/v1/tokens", key, "{\"provider\":\"anthropic\"}", true);
        json("POST", "/v1/tokens", null, "{\"provider\":\"openai\"}", false);
        json("POST", "/v1/tokens", "ephk_nonsense", "{\"provider\":\"openai\"}", true);
        json("GET", "/v1/admin/keys", key, null, true);
        json("DELETE", "/v1/admin/keys/" + keyId + "?cascade=true", admin, null, true);

        json("GET", "/v1/admin/providers", admin, null, true);
        json("POST", "/v1/realtime/client_secrets", key, "{\"expires_after\":{\"anchor\":\"created_at\","
                + "\"seconds\":60},\"session\":{\"type\":\"realtime\",\"model\":\"gpt-realtime\"}}", true);
        json("POST", "/v1/tokens", key, "{\"provider\":\"gemini\"}", true);
        json("GET", "/.well-known/jwks.json", null, null, true);
        json("GET", "/.well-known/oauth-authorization-server", null, null, true);
        json("GET", "/health/liveness", null, null, true);
        json("GET", "/health/readiness", null, null, true);
        json("GET", "/prometheus", null, null, true);

        assertThat(problems).isEmpty();
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

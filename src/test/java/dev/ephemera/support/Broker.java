package dev.ephemera.support;

import io.micronaut.context.ApplicationContext;
import io.micronaut.core.type.Argument;
import io.micronaut.http.HttpHeaders;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.MediaType;
import io.micronaut.http.MutableHttpRequest;
import io.micronaut.http.client.HttpClient;
import io.micronaut.http.client.exceptions.HttpClientResponseException;
import io.micronaut.json.JsonMapper;
import io.micronaut.runtime.server.EmbeddedServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One broker instance on a random port, and a Micronaut HTTP client for it. Several can share one Redis to act
 * as replicas.
 */
public final class Broker implements AutoCloseable {

    public static final String ADMIN_KEY = "test-admin-key-0123456789abcdefghijklmnop";
    /** Fake provider keys: what the fake upstreams expect, and what must never reach a client. */
    public static final String OPENAI_KEY = "sk-test-openai-0000-fake-provider-key";
    public static final String ANTHROPIC_KEY = "sk-test-anthropic-0000-fake-provider-key";

    private final EmbeddedServer server;
    private final HttpClient client;
    private final JsonMapper json;

    private Broker(Map<String, Object> properties) {
        this(ApplicationContext.builder().properties(withTestDefaults(properties)).start());
    }

    private static Map<String, Object> withTestDefaults(Map<String, Object> properties) {
        Map<String, Object> all = new HashMap<>();
        all.put("micronaut.server.port", -1);
        all.put("ephemera.admin-key", ADMIN_KEY);
        all.put("test.clock", "mutable");
        all.put("ephemera.providers.openai.api-key", OPENAI_KEY);
        all.put("ephemera.providers.anthropic.api-key", ANTHROPIC_KEY);
        all.putAll(properties);
        return all;
    }

    private Broker(ApplicationContext context) {
        this.server = context.getBean(EmbeddedServer.class).start();
        this.client = server.getApplicationContext().createBean(HttpClient.class, server.getURL());
        this.json = server.getApplicationContext().getBean(JsonMapper.class);
    }

    /** A broker with the in-memory store. */
    public static Broker inMemory(Map<String, Object> properties) {
        return new Broker(properties);
    }

    /**
     * The broker as {@code ./mvnw mn:run} starts it: the {@code dev} environment (application-dev.yml: its admin key,
     * the echo provider, the demo page and its credential), the real clock, no provider key of the tests';
     * {@code properties} override, e.g. the port.
     */
    public static Broker dev(Map<String, Object> properties) {
        Map<String, Object> all = new HashMap<>();
        all.put("micronaut.server.port", -1);
        all.putAll(properties);
        return new Broker(ApplicationContext.builder().environments("dev").properties(all)
                .start());
    }

    /** A broker on the given Redis. */
    public static Broker onRedis(String redisUri, Map<String, Object> properties) {
        Map<String, Object> all = new HashMap<>(properties);
        all.put("redis.uri", redisUri);
        return new Broker(all);
    }

    /** A broker on the Redis Cluster seeded by {@code seeds}. */
    public static Broker onCluster(List<String> seeds, Map<String, Object> properties) {
        Map<String, Object> all = new HashMap<>(properties);
        all.put("redis.uris", seeds);
        return new Broker(all);
    }

    public ApplicationContext context() {
        return server.getApplicationContext();
    }

    public MutableClock clock() {
        return context().getBean(MutableClock.class);
    }

    public String url() {
        return server.getURL().toString();
    }

    /** The answer to one request, whatever its status. */
    public record Reply(int status, HttpHeaders headers, String body, Map<String, Object> json) {

        /** The {@code error.code} of an error reply. */
        @SuppressWarnings("unchecked")
        public String code() {
            Object error = json.get("error");
            return error instanceof Map<?, ?> m ? (String) ((Map<String, Object>) m).get("code") : null;
        }

        /** The {@code error.param} of an error reply. */
        public String param() {
            Object error = json.get("error");
            return error instanceof Map<?, ?> m ? (String) m.get("param") : null;
        }

        public String string(String field) {
            return (String) json.get(field);
        }

        public long number(String field) {
            return ((Number) json.get(field)).longValue();
        }
    }

    public Reply send(MutableHttpRequest<?> request) {
        HttpResponse<String> response;
        try {
            response = client.toBlocking().exchange(request, Argument.of(String.class), Argument.of(String.class));
        } catch (HttpClientResponseException e) {
            @SuppressWarnings("unchecked")
            HttpResponse<String> failed = (HttpResponse<String>) e.getResponse();
            response = failed;
        }
        String body = response.getBody(String.class).orElse("");
        int status = response.getStatus().getCode();
        Map<String, Object> parsed = parse(body);
        // SPEC §6: every error is JSON with an error object (a relayed provider's own answer aside); the OAuth token
        // endpoint's are RFC 6749 §5.2's, an error code and its description.
        boolean oauth = request.getPath().equals("/oauth2/token");
        if (status >= 400 && !request.getPath().startsWith("/v1/proxy/") && !request.getPath().startsWith("/health/")
                && !((oauth ? parsed.get("error") instanceof String && parsed.get("error_description") != null
                        : parsed.get("error") instanceof Map<?, ?>)
                && response.getHeaders().get("X-Request-Id") != null)) {
            throw new AssertionError(request.getMethodName() + " " + request.getPath() + " answered " + status
                    + " without the JSON error envelope and X-Request-Id: " + body);
        }
        return new Reply(status, response.getHeaders(), body, parsed);
    }

    public Reply postJson(String path, String key, Object body) {
        return send(auth(HttpRequest.POST(path, toJson(body)).contentType(MediaType.APPLICATION_JSON_TYPE), key));
    }

    public Reply postForm(String path, String key, String form) {
        return send(auth(HttpRequest.POST(path, form).contentType(MediaType.APPLICATION_FORM_URLENCODED_TYPE), key));
    }

    public Reply get(String path, String key) {
        return send(auth(HttpRequest.GET(path), key));
    }

    public Reply delete(String path, String key) {
        return send(auth(HttpRequest.DELETE(path), key));
    }

    /** Creates an API key with these permissions through the admin API; returns the key. */
    public String createKey(String... permissions) {
        Reply reply = postJson("/v1/admin/keys", ADMIN_KEY, Map.of("name", "test", "permissions",
                List.of(permissions)));
        if (reply.status() != 201) {
            throw new AssertionError("creating a key failed: " + reply.body());
        }
        return reply.string("key");
    }

    /** Mints a token, failing the test unless it succeeds; returns the response fields. */
    public Reply mint(String key, Map<String, Object> body) {
        Reply reply = postJson("/v1/tokens", key, body);
        if (reply.status() != 201) {
            throw new AssertionError("mint failed: " + reply.body());
        }
        return reply;
    }

    public Reply consume(String key, String token) {
        return postJson("/v1/tokens/introspect", key, Map.of("token", token, "consume", true));
    }

    public Reply introspect(String key, String token) {
        return postJson("/v1/tokens/introspect", key, Map.of("token", token));
    }

    private static MutableHttpRequest<?> auth(MutableHttpRequest<?> request, String key) {
        return key == null ? request : request.bearerAuth(key);
    }

    private String toJson(Object body) {
        if (body instanceof String s) {
            return s;
        }
        try {
            return json.writeValueAsString(body);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @SuppressWarnings("unchecked")
    private Map<String, Object> parse(String body) {
        if (body.isEmpty() || !body.startsWith("{")) {
            return Map.of();
        }
        try {
            return json.readValue(body, Map.class);
        } catch (IOException e) {
            return Map.of();
        }
    }

    @Override
    public void close() {
        client.close();
        server.getApplicationContext().close();
    }
}

package dev.ephemera.web;

import dev.ephemera.json.JsonDepth;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ephemera.support.Broker;
import dev.ephemera.support.BrokerExtension;
import dev.ephemera.support.LogCapture;
import dev.ephemera.support.TestIssuer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * SPEC §6 and §7: every malformed body is a 4xx in the error envelope, on every kind of endpoint that reads one —
 * JSON nested past the one depth limit ({@link JsonDepth#MAX}), and compressed bodies that do not decompress — with
 * no stack trace in the log and at most one WARN however often it comes; and every answer carries exactly one
 * {@code X-Request-Id}. Sent with the JDK's client, so that headers are seen exactly as they were written.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MalformedBodiesTest {

    private static final TestIssuer IDP = new TestIssuer();
    @RegisterExtension
    static final BrokerExtension ENV = BrokerExtension.inMemory().with(IDP.brokerConfig()).withFakeProvider();
    /** 14 bytes that no decompressor accepts, as the security review sent them. */
    private static final byte[] CORRUPT = "\u0001\u0002garbage!!!!!".getBytes(StandardCharsets.US_ASCII);
    private static final String JSON = "application/json";
    private static final String FORM = "application/x-www-form-urlencoded";

    private final HttpClient http = HttpClient.newHttpClient();
    private Broker broker;
    private String key;
    private String token;
    private int subjects;

    @BeforeAll
    void start() {
        broker = ENV.broker();
        key = ENV.secret(broker.createKey("write", "read", "webhook"));
        token = ENV.secret(broker.mint(key, Map.of("provider", "openai", "max_uses", 100)).string("value"));
    }

    /** Every endpoint that reads a JSON body, and how it is called. */
    static Stream<Arguments> jsonEndpoints() {
        return Stream.of(
                Arguments.of("/v1/tokens", "key"),
                Arguments.of("/v1/tokens/introspect", "key"),
                Arguments.of("/v1/tokens/revoke", "key"),
                Arguments.of("/v1/realtime/client_secrets", "key"),
                Arguments.of("/realtime-token", "user"),
                Arguments.of("/v1/admin/keys", "admin"),
                Arguments.of("/v1/admin/keys/key_0123456789abcdef01234567/rotate", "admin"),
                Arguments.of("/v1/webhooks", "key"));
    }

    /** {@link #jsonEndpoints} at 100 and 1,000 deep, and one past the limit. */
    static Stream<Arguments> tooDeep() {
        return jsonEndpoints().flatMap(e -> Stream.of(JsonDepth.MAX + 1, 100, 1000)
                .map(depth -> Arguments.of(e.get()[0], e.get()[1], depth)));
    }

    /** Every endpoint that reads a body of any kind, each with the content type it reads, gzip and deflate. */
    static Stream<Arguments> compressed() {
        List<Arguments> endpoints = Stream.concat(jsonEndpoints().map(e -> Arguments.of(e.get()[0], e.get()[1],
                JSON)), Stream.of(
                        Arguments.of("/oauth2/token", "none", FORM),
                        Arguments.of("/v1/tokens/introspect", "none", FORM),
                        Arguments.of("/v1/proxy/openai/chat/completions", "token", JSON),
                        Arguments.of("/v1/realtime/calls?model=gpt-realtime", "token", "application/sdp")))
                .toList();
        return endpoints.stream().flatMap(e -> Stream.of("gzip", "deflate")
                .map(encoding -> Arguments.of(e.get()[0], e.get()[1], e.get()[2], encoding)));
    }

    @ParameterizedTest(name = "{0} {2} deep")
    @MethodSource("tooDeep")
    void jsonNestedPastTheLimitIsInvalidJson(String path, String caller, int depth) throws Exception {
        try (LogCapture logs = new LogCapture()) {
            HttpResponse<String> answer = send(path, caller, JSON, null,
                    ("{\"session\":" + nested(depth - 1) + "}").getBytes(StandardCharsets.UTF_8));
            assertThat(answer.statusCode()).as(answer.body()).isEqualTo(400);
            assertThat(answer.body()).contains("\"code\":\"invalid_json\"").startsWith("{\"error\":{");
            assertThat(answer.headers().allValues("X-Request-Id")).hasSize(1);
            assertThat(logs.warnings()).isEmpty();
        }
    }

    /** The limit leaves room for real session configs: a mint exactly as deep as it allows is minted. */
    @Test
    void aBodyAsDeepAsTheLimitIsRead() throws Exception {
        HttpResponse<String> answer = send("/v1/tokens", "key", JSON, null,
                ("{\"provider\":\"openai\",\"session\":" + nested(JsonDepth.MAX - 1) + "}")
                        .getBytes(StandardCharsets.UTF_8));
        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(201);
    }

    @ParameterizedTest(name = "{0} {2} {3}")
    @MethodSource("compressed")
    void aCompressedBodyThatDoesNotDecompressIsABadRequest(String path, String caller, String type,
            String encoding) throws Exception {
        try (LogCapture logs = new LogCapture()) {
            for (int i = 0; i < 3; i++) {
                HttpResponse<String> answer = send(path, caller, type, encoding, CORRUPT);
                assertThat(answer.statusCode()).as(answer.body()).isEqualTo(400);
                assertThat(answer.body()).startsWith("{\"error\":{").contains("\"code\":\"invalid_request\"");
                assertThat(answer.headers().allValues("X-Request-Id")).hasSize(1);
            }
            assertThat(logs.warnings()).as("at most one WARN, no ERROR").hasSizeLessThanOrEqualTo(1)
                    .allSatisfy(line -> assertThat(line).startsWith("WARN").doesNotContain("\tat "));
        }
    }

    /** Compressed bodies are read, not refused: a gzip-compressed mint is minted. */
    @Test
    void aCompressedBodyThatDecompressesIsRead() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gzip = new GZIPOutputStream(out)) {
            gzip.write("{\"provider\":\"openai\"}".getBytes(StandardCharsets.UTF_8));
        }
        HttpResponse<String> answer = send("/v1/tokens", "key", JSON, "gzip", out.toByteArray());
        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(201);
    }

    /** SPEC §6: {@code X-Request-Id} on every response — once, whoever answered it. */
    @ParameterizedTest(name = "{0} {1} -> {2}")
    @MethodSource("answers")
    void everyAnswerCarriesExactlyOneRequestId(String method, String path, int status) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(broker.url() + path))
                .method(method, HttpRequest.BodyPublishers.ofString(method.equals("GET") ? "" : "{}"));
        if (status != 401) {
            request.header("Authorization", "Bearer " + key);
        }
        if (!method.equals("GET")) {
            request.header("Content-Type", JSON);
        }
        HttpResponse<String> answer = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(status);
        assertThat(answer.headers().allValues("X-Request-Id")).as("X-Request-Id").hasSize(1);
        assertThat(answer.headers().allValues("Cache-Control")).as("Cache-Control").hasSize(1);
    }

    static Stream<Arguments> answers() {
        return Stream.of(Arguments.of("GET", "/v1/no-such-endpoint", 404),
                Arguments.of("DELETE", "/v1/tokens", 405),
                Arguments.of("POST", "/v1/tokens", 401),
                Arguments.of("POST", "/v1/tokens", 400),
                Arguments.of("GET", "/v1/admin/providers", 403),
                Arguments.of("GET", "/.well-known/jwks.json", 200),
                Arguments.of("GET", "/.well-known/oauth-authorization-server", 200));
    }

    private HttpResponse<String> send(String path, String caller, String type, String encoding, byte[] body)
            throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(broker.url() + path))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).header("Content-Type", type);
        if (encoding != null) {
            request.header("Content-Encoding", encoding);
        }
        switch (caller) {
            case "key" -> request.header("Authorization", "Bearer " + key);
            case "admin" -> request.header("Authorization", "Bearer " + Broker.ADMIN_KEY);
            case "token" -> request.header("Authorization", "Bearer " + token);
            case "user" -> request.header("Authorization", "Bearer " + IDP.user("user-" + subjects++))
                    .header("Origin", "https://app.example.com");
            default -> {
            }
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Objects nested {@code depth} deep: {@code {"a":{"a":…1…}}}. */
    private static String nested(int depth) {
        return "{\"a\":".repeat(depth) + "1" + "}".repeat(depth);
    }
}

package dev.ephemera.support;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * HTTP to a broker that runs outside this JVM (a packaged jar, a container) on a loopback port, with the JDK's
 * client: every request bounded by {@link #TIMEOUT}, so a broker that hangs fails the test instead of holding it.
 */
public record BrokerHttp(int port) {

    /** The longest any request may take. */
    public static final Duration TIMEOUT = Duration.ofSeconds(10);

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private static final ObjectMapper JSON = new ObjectMapper();

    public HttpResponse<String> get(String path, String bearer) {
        return send(request(path, bearer).GET());
    }

    public HttpResponse<String> postJson(String path, String bearer, String json) {
        return send(request(path, bearer).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json)));
    }

    public HttpResponse<String> postForm(String path, String bearer, String form) {
        return send(request(path, bearer).header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(form)));
    }

    /** The top-level field {@code name} of a JSON answer, as text; null when it has none. */
    public static String field(HttpResponse<String> response, String name) {
        return json(response).path(name).asText(null);
    }

    /** The {@code error.code} of an error answer; null when it has none. */
    public static String code(HttpResponse<String> response) {
        return json(response).path("error").path("code").asText(null);
    }

    private static JsonNode json(HttpResponse<String> response) {
        try {
            return JSON.readTree(response.body());
        } catch (IOException e) {
            throw new UncheckedIOException("not JSON (" + response.statusCode() + "): " + response.body(), e);
        }
    }

    private HttpRequest.Builder request(String path, String bearer) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(TIMEOUT);
        return bearer == null ? request : request.header("Authorization", "Bearer " + bearer);
    }

    private static HttpResponse<String> send(HttpRequest.Builder request) {
        try {
            return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}

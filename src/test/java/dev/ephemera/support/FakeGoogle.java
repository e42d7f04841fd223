package dev.ephemera.support;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.micronaut.json.JsonMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Google, in brief, on a loopback port of its own: its OAuth token endpoint ({@code POST /token}), which takes a
 * service account's JWT-bearer assertion only when its RS256 signature verifies with the key this fake made (and its
 * issuer, audience and scope are a Vertex AI client's), and answers a short-lived access token; and Vertex AI's
 * {@code generateContent} and {@code streamGenerateContent} (under {@code /vertex}, at the path a base URL
 * {@link #vertexBase} gives), which answer only a token it issued and that has not expired when the request arrives,
 * and record every request. {@link #serviceAccountKey} writes the key file whose {@code token_uri} points here.
 */
public final class FakeGoogle implements AutoCloseable {

    public static final String CLIENT_EMAIL = "ephemera-test@test-project.iam.gserviceaccount.com";
    private static final String GOOGLE_TOKEN_AUDIENCE = "https://oauth2.googleapis.com/token";
    private static final String SCOPE = "https://www.googleapis.com/auth/cloud-platform";
    private static final String ANSWER = "{\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"%s\"}],\"role\":"
            + "\"model\"},\"finishReason\":\"STOP\"}],\"usageMetadata\":{\"promptTokenCount\":%d,"
            + "\"candidatesTokenCount\":%d,\"thoughtsTokenCount\":%d,\"totalTokenCount\":%d}}";

    /** An access token this fake issued, and when it expires. */
    public record Issued(String value, Instant issuedAt, Instant expiresAt) {
    }

    /** A request Vertex AI received: when, where, its headers (lower-case names) and body; whether it was let in. */
    public record Seen(Instant at, String path, Map<String, List<String>> headers, String body, boolean accepted) {
        public String header(String name) {
            List<String> values = headers.get(name.toLowerCase(Locale.ROOT));
            return values == null ? null : values.get(0);
        }
    }

    public final List<Issued> issued = new CopyOnWriteArrayList<>();
    public final List<Seen> seen = new CopyOnWriteArrayList<>();
    /** Every assertion the token endpoint was sent, valid or not: what no log may hold either. */
    public final List<String> assertions = new CopyOnWriteArrayList<>();
    private final KeyPair key;
    private final HttpServer server;
    private final JsonMapper json = JsonMapper.createDefault();
    private final AtomicInteger counter = new AtomicInteger();
    private volatile Duration lifetime = Duration.ofSeconds(60);
    private volatile boolean down;

    public FakeGoogle() {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
            generator.initialize(2048);
            key = generator.generateKeyPair();
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/token", this::token);
        server.createContext("/vertex/", this::vertex);
        server.start();
    }

    /** How long the access tokens issued from now on live (a whole number of seconds, as Google says it). */
    public FakeGoogle lifetime(Duration lifetime) {
        this.lifetime = lifetime;
        return this;
    }

    /** While down, the token endpoint answers 503. */
    public void down(boolean down) {
        this.down = down;
    }

    public String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    /** The HTTP relay's base URL for Vertex AI here, as the preset would make it for this project and location. */
    public String vertexBase(String project, String location) {
        return url() + "/vertex/v1/projects/" + project + "/locations/" + location + "/publishers/google";
    }

    /** The private key as the key file holds it (PKCS#8, PEM): what must never leave the broker or be logged. */
    public String privateKeyPem() {
        return "-----BEGIN PRIVATE KEY-----\n" + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                .encodeToString(key.getPrivate().getEncoded()) + "\n-----END PRIVATE KEY-----\n";
    }

    /** Writes a service account's key file, its {@code token_uri} here, into {@code dir}; returns its path. */
    public Path serviceAccountKey(Path dir) throws IOException {
        Map<String, Object> file = new LinkedHashMap<>();
        file.put("type", "service_account");
        file.put("project_id", "test-project");
        file.put("private_key_id", "0123456789abcdef");
        file.put("private_key", privateKeyPem());
        file.put("client_email", CLIENT_EMAIL);
        file.put("client_id", "100000000000000000001");
        file.put("token_uri", url() + "/token");
        Path path = dir.resolve("service-account.json");
        Files.write(path, json.writeValueAsBytes(file));
        return path;
    }

    private void token(HttpExchange exchange) throws IOException {
        try (exchange) {
            Map<String, String> form = new LinkedHashMap<>();
            for (String pair : new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8)
                    .split("&")) {
                String[] kv = pair.split("=", 2);
                form.put(URLDecoder.decode(kv[0], StandardCharsets.UTF_8),
                        kv.length > 1 ? URLDecoder.decode(kv[1], StandardCharsets.UTF_8) : "");
            }
            String assertion = form.getOrDefault("assertion", "");
            assertions.add(assertion);
            if (down) {
                answer(exchange, 503, "{\"error\":\"unavailable\"}", "application/json");
            } else if (!"urn:ietf:params:oauth:grant-type:jwt-bearer".equals(form.get("grant_type"))
                    || !validAssertion(assertion)) {
                answer(exchange, 400, "{\"error\":\"invalid_grant\"}", "application/json");
            } else {
                Instant now = Instant.now();
                String value = "ya29.fake-" + counter.incrementAndGet() + "-" + Long.toHexString(now.toEpochMilli())
                        + "-" + java.util.UUID.randomUUID();
                issued.add(new Issued(value, now, now.plus(lifetime)));
                answer(exchange, 200, "{\"access_token\":\"" + value + "\",\"expires_in\":" + lifetime.toSeconds()
                        + ",\"token_type\":\"Bearer\"}", "application/json");
            }
        }
    }

    /** RS256 with this fake's key, issued by the service account to Google's token endpoint, for Vertex AI. */
    private boolean validAssertion(String assertion) {
        String[] parts = assertion.split("\\.");
        if (parts.length != 3) {
            return false;
        }
        try {
            Signature rs256 = Signature.getInstance("SHA256withRSA");
            rs256.initVerify(key.getPublic());
            rs256.update((parts[0] + "." + parts[1]).getBytes(StandardCharsets.US_ASCII));
            if (!rs256.verify(Base64.getUrlDecoder().decode(parts[2]))) {
                return false;
            }
            Map<?, ?> header = json.readValue(Base64.getUrlDecoder().decode(parts[0]), Map.class);
            Map<?, ?> claims = json.readValue(Base64.getUrlDecoder().decode(parts[1]), Map.class);
            long now = Instant.now().getEpochSecond();
            return "RS256".equals(header.get("alg")) && CLIENT_EMAIL.equals(claims.get("iss"))
                    && GOOGLE_TOKEN_AUDIENCE.equals(claims.get("aud")) && SCOPE.equals(claims.get("scope"))
                    && claims.get("exp") instanceof Number exp && exp.longValue() > now;
        } catch (GeneralSecurityException | IOException | IllegalArgumentException e) {
            return false;
        }
    }

    private void vertex(HttpExchange exchange) throws IOException {
        try (exchange) {
            Instant at = Instant.now();
            Map<String, List<String>> headers = new LinkedHashMap<>();
            exchange.getRequestHeaders().forEach((name, values) -> headers.put(name.toLowerCase(Locale.ROOT),
                    List.copyOf(values)));
            String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            String path = exchange.getRequestURI().getRawPath();
            String authorization = exchange.getRequestHeaders().getFirst("Authorization");
            boolean accepted = authorization != null && issued.stream().anyMatch(t -> authorization.equals("Bearer "
                    + t.value()) && at.isBefore(t.expiresAt()));
            seen.add(new Seen(at, path, headers, body, accepted));
            if (!accepted) {
                answer(exchange, 401, "{\"error\":{\"code\":401,\"status\":\"UNAUTHENTICATED\"}}", "application/json");
            } else if (path.endsWith(":generateContent")) {
                answer(exchange, 200, ANSWER.formatted("pong", 4, 1, 2, 7), "application/json");
            } else if (path.endsWith(":streamGenerateContent")) {
                answer(exchange, 200, "data: " + ANSWER.formatted("po", 4, 1, 0, 5) + "\r\n\r\ndata: "
                        + ANSWER.formatted("ng", 4, 2, 0, 6) + "\r\n\r\n", "text/event-stream");
            } else {
                answer(exchange, 404, "{\"error\":{\"code\":404}}", "application/json");
            }
        }
    }

    private static void answer(HttpExchange exchange, int status, String body, String type) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", type);
        exchange.sendResponseHeaders(status, bytes.length);
        exchange.getResponseBody().write(bytes);
    }

    @Override
    public void close() {
        server.stop(0);
    }
}

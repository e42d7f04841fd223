package dev.ephemera.support;

import io.micronaut.json.JsonMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A fake OpenAI that is a real WebRTC peer: {@code src/test/webrtc/provider.mjs} on Node.js (werift, pinned by
 * its {@code package-lock.json}), on a free port of 127.0.0.1. It answers SDP offers ({@code /v1/realtime/calls},
 * GPT-Live's {@code /v1/live/sessions}), holds the calls' data channels, takes sidebands and hang-ups, and records
 * everything ({@link #record()}). It also serves the test page {@code src/test/resources/webrtc/call.html} at
 * {@link #page}. Without Node.js it fails in CI and is skipped elsewhere ({@link ExternalTools}).
 */
public final class WebRtcProvider implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(WebRtcProvider.class);
    private static final Path DIR = Path.of("src", "test", "webrtc");
    private static final Path PAGE = Path.of("src", "test", "resources", "webrtc", "call.html");

    private final Process process;
    private final int port;
    private final StringBuffer errors = new StringBuffer();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final JsonMapper json = JsonMapper.createDefault();

    /** Started with the tests' OpenAI key ({@link Broker#OPENAI_KEY}) as the one it accepts. */
    public WebRtcProvider() {
        String node = node();
        ProcessBuilder builder = Processes.builder(node, "provider.mjs").directory(DIR.toFile());
        builder.environment().put("PORT", "0");
        builder.environment().put("OPENAI_KEY", Broker.OPENAI_KEY);
        builder.environment().put("PAGE", PAGE.toAbsolutePath().toString());
        try {
            process = builder.start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        CompletableFuture<Integer> listening = new CompletableFuture<>();
        drain(process.getInputStream(), line -> {
            if (line.startsWith("LISTENING ")) {
                listening.complete(Integer.parseInt(line.substring("LISTENING ".length()).trim()));
            }
        }, listening);
        drain(process.getErrorStream(), line -> errors.append(line).append('\n'), listening);
        try {
            port = listening.get(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            close();
            throw new IllegalStateException(e);
        } catch (java.util.concurrent.ExecutionException | TimeoutException e) {
            close();
            throw new IllegalStateException("provider.mjs did not start: " + errors, e);
        }
    }

    /** Node.js, with the pinned packages installed ({@code npm ci} once); gives the {@code node} command. */
    private static synchronized String node() {
        String install = "Node.js 20 or later with npm (apt-get install nodejs npm)";
        String node = ExternalTools.require("ephemera.test.node", install, "node").toString();
        String npm = ExternalTools.require("ephemera.test.npm", install, "npm").toString();
        if (!Files.isDirectory(DIR.resolve("node_modules").resolve("werift"))) {
            try {
                Process ci = Processes.builder(npm, "ci", "--no-audit", "--no-fund").directory(DIR.toFile())
                        .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
                if (!ci.waitFor(300, TimeUnit.SECONDS)) {
                    ci.destroyForcibly();
                    throw new IllegalStateException("npm ci in " + DIR + " took over 300 s");
                }
                if (ci.exitValue() != 0) {
                    throw new IllegalStateException("npm ci in " + DIR + " failed: exit " + ci.exitValue());
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
        return node;
    }

    /** Reads a stream of the child's to its end on a thread of its own, logging every line. */
    private static void drain(InputStream stream, Consumer<String> onLine, CompletableFuture<Integer> started) {
        Thread.ofVirtual().name("webrtc-provider-output").start(() -> {
            try (BufferedReader reader = new BufferedReader(new InputStreamReader(stream, StandardCharsets.UTF_8))) {
                for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                    LOG.info("provider.mjs: {}", line);
                    onLine.accept(line);
                }
            } catch (IOException e) {
                LOG.debug("provider.mjs output ended", e);
            }
            started.completeExceptionally(new IllegalStateException("provider.mjs ended before it listened"));
        });
    }

    /** {@code http://127.0.0.1:<port>}: the page's origin. */
    public String origin() {
        return "http://127.0.0.1:" + port;
    }

    /** {@code http://127.0.0.1:<port>/v1}: the base URL a broker's {@code openai} provider is given. */
    public String base() {
        return origin() + "/v1";
    }

    /** The test page on this origin, with {@code fragment} (without its {@code #}). */
    public String page(String fragment) {
        return origin() + "/page#" + fragment;
    }

    /** Everything the fake saw: {@code requests}, {@code calls}, {@code events}, {@code sent}, {@code hangups}, ... */
    @SuppressWarnings("unchecked")
    public Map<String, Object> record() {
        try {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(origin() + "/__record"))
                    .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
            return json.readValue(response.body(), Map.class);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** The record's entries of one kind ({@code "calls"}, {@code "events"}, ...) that belong to {@code call}. */
    @SuppressWarnings("unchecked")
    public List<Map<String, Object>> of(String kind, String call) {
        return ((List<Map<String, Object>>) record().get(kind)).stream()
                .filter(entry -> call.equals(entry.get("call")) || call.equals(entry.get("id"))).toList();
    }

    /** The provider's call whose offer carried {@code X-Client-Request-Id: clientRequestId}. */
    @SuppressWarnings("unchecked")
    public Map<String, Object> callOf(String clientRequestId) {
        return ((List<Map<String, Object>>) record().get("calls")).stream()
                .filter(call -> clientRequestId.equals(call.get("clientRequestId"))).findFirst()
                .orElseThrow(() -> new AssertionError("the provider had no call with X-Client-Request-Id "
                        + clientRequestId + ": " + record().get("calls")));
    }

    /** The provider's newest call of {@code kind} ({@code realtime} or {@code live}). */
    @SuppressWarnings("unchecked")
    public Map<String, Object> newest(String kind) {
        List<Map<String, Object>> calls = ((List<Map<String, Object>>) record().get("calls")).stream()
                .filter(call -> kind.equals(call.get("kind"))).toList();
        if (calls.isEmpty()) {
            throw new AssertionError("the provider had no " + kind + " call");
        }
        return calls.get(calls.size() - 1);
    }

    /** What the fake printed on its standard error so far. */
    public String errors() {
        return errors.toString();
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }
}

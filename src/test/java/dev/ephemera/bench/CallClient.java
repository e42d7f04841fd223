package dev.ephemera.bench;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.Executors;

/**
 * What a browser does to start a WebRTC call through the broker, for the benchmarks: {@code POST
 * /v1/realtime/calls} with an SDP offer and the token, on one kept-alive HTTP/1.1 connection (the JDK's client).
 */
final class CallClient {

    static final String OFFER = "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\n";

    /** The answer: its status, its body (the SDP, or an error) and the broker's session id from its Location. */
    record Answer(int status, String body, String sessionId) {
    }

    /** Its own named thread, so that a benchmark counting the broker's threads can tell the client's apart. */
    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .executor(Executors.newSingleThreadExecutor(Thread.ofPlatform().daemon().name("bench-client")
                    .factory()))
            .connectTimeout(Duration.ofSeconds(5)).build();
    private final URI calls;

    CallClient(String brokerUrl) {
        this.calls = URI.create(brokerUrl + "/v1/realtime/calls?model=gpt-realtime");
    }

    Answer offer(String token) throws IOException, InterruptedException {
        HttpResponse<String> response = client.send(HttpRequest.newBuilder(calls).timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/sdp").header("Authorization", "Bearer " + token)
                .POST(HttpRequest.BodyPublishers.ofString(OFFER)).build(), HttpResponse.BodyHandlers.ofString());
        String location = response.headers().firstValue("Location").orElse("");
        return new Answer(response.statusCode(), response.body(),
                location.isEmpty() ? null : location.substring(location.lastIndexOf('/') + 1));
    }
}

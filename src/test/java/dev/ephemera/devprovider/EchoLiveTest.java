package dev.ephemera.devprovider;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ephemera.support.WsClient;
import java.net.http.WebSocketHandshakeException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The echo provider's Gemini Live endpoint, on its own server, through the JDK's WebSocket client: the key, the
 * setup, text and spoken turns echoed with usage billed over the whole conversation, and what it refuses.
 */
class EchoLiveTest {

    private static final String KEY = "echo-test-key";
    private static final String PATH = "/ws/google.ai.generativelanguage.v1beta.GenerativeService"
            + ".BidiGenerateContent";

    private final EchoServer server = new EchoServer(KEY, Clock.systemUTC());

    @AfterEach
    void stop() {
        server.close();
    }

    private WsClient connect(String path, Map<String, String> headers) throws Exception {
        String origin = server.baseUrl().resolve("/").toString().replaceFirst("^http", "ws");
        return WsClient.connect(origin + path.substring(1), List.of(), headers);
    }

    private WsClient connect() throws Exception {
        return connect(PATH, Map.of("Authorization", "Bearer " + KEY));
    }

    private static String turn(String said) {
        return "{\"clientContent\":{\"turns\":[{\"role\":\"user\",\"parts\":[{\"text\":\"" + said + "\"}]}],"
                + "\"turnComplete\":true}}";
    }

    /** The messages up to and including the usage: each a binary frame of UTF-8 JSON. */
    private static List<String> untilUsage(WsClient client) throws InterruptedException {
        List<String> out = new ArrayList<>();
        do {
            WsClient.Message message = client.next();
            assertThat(message.bytes()).as("a binary frame").isNotNull();
            out.add(new String(message.bytes(), StandardCharsets.UTF_8));
        } while (!out.getLast().contains("usageMetadata"));
        return out;
    }

    @Test
    void echoesTextTurnsWithUsageOfTheWholeConversation() throws Exception {
        WsClient client = connect();
        client.socket.sendText("{\"setup\":{\"model\":\"models/echo\",\"generationConfig\":{\"responseModalities\":"
                + "[\"TEXT\"]},\"systemInstruction\":{\"parts\":[{\"text\":\"Be brief.\"}]}}}", true).join();
        assertThat(new String(client.next().bytes(), StandardCharsets.UTF_8)).isEqualTo("{\"setupComplete\":{}}");
        client.socket.sendText(turn("hello there"), true).join();
        List<String> first = untilUsage(client);
        assertThat(first).containsExactly(
                "{\"serverContent\":{\"modelTurn\":{\"parts\":[{\"text\":\"echo:\"}]}}}",
                "{\"serverContent\":{\"modelTurn\":{\"parts\":[{\"text\":\" hello\"}]}}}",
                "{\"serverContent\":{\"modelTurn\":{\"parts\":[{\"text\":\" there\"}]}}}",
                "{\"serverContent\":{\"generationComplete\":true}}",
                "{\"serverContent\":{\"turnComplete\":true}}",
                "{\"usageMetadata\":{\"promptTokenCount\":4,\"responseTokenCount\":3,\"totalTokenCount\":7,"
                        + "\"promptTokensDetails\":[{\"modality\":\"TEXT\",\"tokenCount\":4}],"
                        + "\"responseTokensDetails\":[{\"modality\":\"TEXT\",\"tokenCount\":3}]}}");
        client.socket.sendText("{\"realtimeInput\":{\"text\":\"again\"}}", true).join();
        // Its prompt: the instruction (2), both user turns (2 + 1) and the first answer (3).
        assertThat(untilUsage(client).getLast()).contains("\"promptTokenCount\":8,", "\"responseTokenCount\":2,");
    }

    @Test
    void answersASpokenTurnWithAToneCappedByMaxOutputTokens() throws Exception {
        WsClient client = connect("/v1" + PATH, Map.of("x-goog-api-key", KEY));
        client.socket.sendText("{\"setup\":{\"model\":\"models/echo\",\"generationConfig\":{\"maxOutputTokens\":2}}}",
                true).join();
        client.next();
        String second = Base64.getEncoder().encodeToString(new byte[32_000]);
        client.socket.sendText("{\"realtimeInput\":{\"audio\":{\"data\":\"" + second + "\",\"mimeType\":"
                + "\"audio/pcm;rate=16000\"}}}", true).join();
        client.socket.sendText("{\"realtimeInput\":{\"audioStreamEnd\":true}}", true).join();
        List<String> turn = untilUsage(client);
        // Two tokens of 40 ms of 24 kHz PCM16 in one chunk; a second of audio heard is 25 tokens.
        assertThat(turn).hasSize(4);
        assertThat(turn.getFirst()).contains("audio/pcm;rate=24000");
        String data = turn.getFirst().replaceAll(".*\"data\":\"([^\"]*)\".*", "$1");
        assertThat(Base64.getDecoder().decode(data)).hasSize(2 * 1_920);
        assertThat(turn.getLast()).contains("\"promptTokenCount\":25,", "\"responseTokenCount\":2,",
                "{\"modality\":\"AUDIO\",\"tokenCount\":25}", "\"responseTokensDetails\":[{\"modality\":\"AUDIO\"");
    }

    @Test
    void closesWith1007WhatItWillNotServe() throws Exception {
        for (String[] bad : new String[][] {
            {turn("hi")},
            {"{\"setup\":{}}", "{\"setup\":{}}"},
            {"{\"setup\":{}}", "{\"clientContent\":{},\"realtimeInput\":{}}"},
            {"{\"setup\":{}}", "{\"realtimeInput\":{\"audio\":{\"data\":\"%%%\",\"mimeType\":\"audio/pcm\"}}}"},
            {"not json"}}) {
            WsClient client = connect();
            for (String message : bad) {
                client.socket.sendText(message, true).join();
            }
            assertThat(client.closeCode.get(5, TimeUnit.SECONDS)).as(String.join(" then ", bad)).isEqualTo(1007);
        }
    }

    @Test
    void refusesAHandshakeWithoutItsKey() {
        for (Map<String, String> headers : List.of(Map.of("x-goog-api-key", "wrong"), Map.<String, String>of())) {
            assertThatThrownBy(() -> connect(PATH, headers)).hasCauseInstanceOf(WebSocketHandshakeException.class)
                    .satisfies(e -> assertThat(((WebSocketHandshakeException) e.getCause()).getResponse()
                            .statusCode()).isEqualTo(401));
        }
    }
}

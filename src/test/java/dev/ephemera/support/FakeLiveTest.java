package dev.ephemera.support;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The fake Gemini Live server by itself, through the JDK's WebSocket client: what it records, how it bills a
 * conversation, what it refuses, and the controls a test steers it with.
 */
class FakeLiveTest {

    private static final String GEMINI = "/ws/google.ai.generativelanguage.v1beta.GenerativeService"
            + ".BidiGenerateContent";
    private static final String SETUP_TEXT = "{\"setup\":{\"model\":\"models/gemini-2.0-flash-live-001\","
            + "\"generationConfig\":{\"responseModalities\":[\"TEXT\"],\"maxOutputTokens\":7},"
            + "\"systemInstruction\":{\"parts\":[{\"text\":\"Be brief.\"}]}}}";
    private static final String SETUP_AUDIO = "{\"setup\":{\"model\":\"models/gemini-2.0-flash-live-001\","
            + "\"generationConfig\":{\"responseModalities\":[\"AUDIO\"]}}}";

    private final FakeUpstream fake = new FakeUpstream();

    @AfterEach
    void stop() {
        fake.close();
    }

    private WsClient connect(String path) throws Exception {
        return WsClient.connect(fake.websocketBase("gemini") + path + "?key=test-key", List.of(),
                Map.of("x-goog-api-key", "provider-key"));
    }

    private static String text(String said) {
        return "{\"clientContent\":{\"turns\":[{\"role\":\"user\",\"parts\":[{\"text\":\"" + said + "\"}]}],"
                + "\"turnComplete\":true}}";
    }

    /** The next message, which must be a binary frame of UTF-8 JSON, as Google sends them. */
    private static String next(WsClient client) throws InterruptedException {
        WsClient.Message message = client.next();
        assertThat(message.bytes()).as("a binary frame").isNotNull();
        return new String(message.bytes(), StandardCharsets.UTF_8);
    }

    /** The messages up to and including the first that contains {@code last}. */
    private static List<String> until(WsClient client, String last) throws InterruptedException {
        List<String> out = new ArrayList<>();
        do {
            out.add(next(client));
        } while (!out.getLast().contains(last));
        return out;
    }

    @Test
    void recordsTheHandshakeAndBillsEachTextTurnWithTheWholeConversation() throws Exception {
        WsClient client = connect(GEMINI);
        client.socket.sendText(SETUP_TEXT, true).join();
        assertThat(next(client)).isEqualTo("{\"setupComplete\":{}}");
        client.socket.sendText(text("hello"), true).join();
        List<String> turn = until(client, "usageMetadata");
        assertThat(turn).hasSize(4);
        assertThat(turn.get(0)).isEqualTo("{\"serverContent\":{\"modelTurn\":{\"parts\":[{\"text\":\""
                + "tok ".repeat(7) + "\"}]}}}");
        assertThat(turn.get(1)).isEqualTo("{\"serverContent\":{\"generationComplete\":true}}");
        assertThat(turn.get(2)).isEqualTo("{\"serverContent\":{\"turnComplete\":true}}");
        // "Be brief." is 3 tokens, "hello" 2; the output is capped by maxOutputTokens.
        assertThat(turn.get(3)).isEqualTo("{\"usageMetadata\":{\"promptTokenCount\":5,\"responseTokenCount\":7,"
                + "\"totalTokenCount\":12,\"promptTokensDetails\":[{\"modality\":\"TEXT\",\"tokenCount\":5}],"
                + "\"responseTokensDetails\":[{\"modality\":\"TEXT\",\"tokenCount\":7}]}}");
        client.socket.sendText(text("again"), true).join();
        // The second turn's prompt carries the first turn and its answer: 5 + 7 + 2.
        assertThat(until(client, "usageMetadata").getLast()).contains("\"promptTokenCount\":14,",
                "\"totalTokenCount\":21");
        client.socket.sendClose(1000, "done").join();
        assertThat(client.closeCode.get(5, TimeUnit.SECONDS)).isEqualTo(1000);

        FakeRecorder.Seen handshake = fake.recorder().requests.getFirst();
        assertThat(handshake.method()).isEqualTo("WEBSOCKET");
        assertThat(handshake.path()).isEqualTo("/fake/gemini" + GEMINI + "?key=test-key");
        assertThat(handshake.headers("x-goog-api-key")).containsExactly("provider-key");
        assertThat(fake.recorder().frames).containsExactly(SETUP_TEXT, text("hello"), text("again"));
        assertThat(fake.recorder().closeCodes).containsExactly(1000);
    }

    @Test
    void answersAnAudioTurnWithAudioBilledAtTwentyFiveTokensASecond() throws Exception {
        WsClient client = connect("/ws/google.cloud.aiplatform.v1.LlmBidiService/BidiGenerateContent");
        client.socket.sendText(SETUP_AUDIO, true).join();
        next(client);
        String second = Base64.getEncoder().encodeToString(new byte[32_000]);
        client.socket.sendText("{\"realtimeInput\":{\"activityStart\":{}}}", true).join();
        client.socket.sendText("{\"realtimeInput\":{\"audio\":{\"data\":\"" + second + "\",\"mimeType\":"
                + "\"audio/pcm;rate=16000\"}}}", true).join();
        client.socket.sendText("{\"realtimeInput\":{\"activityEnd\":{}}}", true).join();
        List<String> turn = until(client, "usageMetadata");
        // 40 tokens of output: four chunks of 400 ms of 24 kHz PCM16.
        assertThat(turn).hasSize(7);
        assertThat(turn.subList(0, 4)).allSatisfy(chunk -> assertThat(chunk).contains(
                "\"mimeType\":\"audio/pcm;rate=24000\"", Base64.getEncoder().encodeToString(new byte[19_200])));
        assertThat(turn.getLast()).isEqualTo("{\"usageMetadata\":{\"promptTokenCount\":25,\"responseTokenCount\":40,"
                + "\"totalTokenCount\":65,\"promptTokensDetails\":[{\"modality\":\"TEXT\",\"tokenCount\":0},"
                + "{\"modality\":\"AUDIO\",\"tokenCount\":25}],\"responseTokensDetails\":[{\"modality\":\"AUDIO\","
                + "\"tokenCount\":40}]}}");
        // An end of activity without audio since the last turn starts none.
        client.socket.sendText("{\"realtimeInput\":{\"audioStreamEnd\":true}}", true).join();
        client.socket.sendText("{\"realtimeInput\":{\"text\":\"and now?\"}}", true).join();
        assertThat(until(client, "usageMetadata").getLast()).contains("\"promptTokenCount\":67,",
                "{\"modality\":\"TEXT\",\"tokenCount\":2},{\"modality\":\"AUDIO\",\"tokenCount\":65}");
    }

    @Test
    void closesWith1007WhatIsNotOneSetupFirst() throws Exception {
        WsClient first = connect(GEMINI);
        first.socket.sendText(text("hi"), true).join();
        assertThat(first.closeCode.get(5, TimeUnit.SECONDS)).isEqualTo(1007);
        assertThat(first.closeReason.get()).contains("first message must be setup");

        WsClient twice = connect("/ws/google.ai.generativelanguage.v1alpha.GenerativeService.BidiGenerateContent");
        twice.socket.sendText(SETUP_TEXT, true).join();
        next(twice);
        twice.socket.sendText(SETUP_TEXT, true).join();
        assertThat(twice.closeCode.get(5, TimeUnit.SECONDS)).isEqualTo(1007);

        for (String bad : List.of("not json", "{\"setup\":{},\"clientContent\":{}}", "{\"unknown\":{}}")) {
            WsClient client = connect(GEMINI);
            client.socket.sendText(bad, true).join();
            assertThat(client.closeCode.get(5, TimeUnit.SECONDS)).as(bad).isEqualTo(1007);
        }
        WsClient audio = connect(GEMINI);
        audio.socket.sendText(SETUP_AUDIO, true).join();
        next(audio);
        audio.socket.sendText("{\"realtimeInput\":{\"audio\":{\"data\":\"%%%\"}}}", true).join();
        assertThat(audio.closeCode.get(5, TimeUnit.SECONDS)).isEqualTo(1007);
        assertThat(fake.recorder().liveCloseCodes).containsExactly(1007, 1007, 1007, 1007, 1007, 1007);
    }

    @Test
    void isSteeredByTheUsersText() throws Exception {
        WsClient client = connect(GEMINI);
        client.socket.sendText(SETUP_TEXT, true).join();
        next(client);
        client.socket.sendText(text("fake:no-usage"), true).join();
        assertThat(until(client, "turnComplete")).hasSize(3);
        client.socket.sendText(text("fake:garbage-usage"), true).join();
        // No usage came after the turn before: the next message is this turn's first.
        assertThat(next(client)).contains("modelTurn");
        assertThat(until(client, "usageMetadata").getLast()).contains("\"responseTokenCount\":\"lots\"");
        client.socket.sendText(text("fake:cached-thoughts"), true).join();
        assertThat(until(client, "usageMetadata").getLast()).contains("\"cachedContentTokenCount\":",
                "\"thoughtsTokenCount\":8");
        client.socket.sendText(text("fake:tool"), true).join();
        assertThat(next(client)).isEqualTo("{\"toolCall\":{\"functionCalls\":[{\"id\":\"call_1\",\"name\":"
                + "\"fake_tool\",\"args\":{\"asked\":\"by the fake\"}}]}}");
        client.socket.sendText("{\"toolResponse\":{\"functionResponses\":[{\"id\":\"call_1\",\"name\":"
                + "\"fake_tool\",\"response\":{\"ok\":true}}]}}", true).join();
        assertThat(until(client, "usageMetadata")).hasSize(4);
        client.socket.sendText(text("fake:goaway"), true).join();
        assertThat(next(client)).isEqualTo("{\"goAway\":{\"timeLeft\":\"2s\"}}");
        long asked = System.nanoTime();
        assertThat(client.closeCode.get(5, TimeUnit.SECONDS)).isEqualTo(1000);
        assertThat(System.nanoTime() - asked).isGreaterThan(TimeUnit.MILLISECONDS.toNanos(1_500));

        WsClient closing = connect(GEMINI);
        closing.socket.sendText(SETUP_TEXT, true).join();
        next(closing);
        closing.socket.sendText(text("fake:close:1011"), true).join();
        assertThat(closing.closeCode.get(5, TimeUnit.SECONDS)).isEqualTo(1011);
        assertThat(fake.recorder().liveCloseCodes).containsExactly(1000, 1011);
    }
}

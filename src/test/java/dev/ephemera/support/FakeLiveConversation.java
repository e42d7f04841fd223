package dev.ephemera.support;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One Gemini Live conversation of {@link FakeLive}, billed as Google bills it: each model turn's prompt is the whole
 * conversation so far (the system instruction, every user and model turn, every second of audio heard), text at one
 * token per 4 bytes (rounded up, per text), audio input at 25 tokens a second (one per 1,280 bytes of 16 kHz PCM16)
 * and audio output at the same 25 tokens a second (one per 1,920 bytes of 24 kHz PCM16). A model turn uses {@link
 * #MOST} output tokens, or the setup's {@code generationConfig.maxOutputTokens} when lower: text as parts of
 * {@code "tok "} (4 bytes, a token each), audio as silence in chunks of 10 tokens (400 ms). What the model said joins
 * the conversation. One per connection; not thread-safe (its channel's event loop).
 */
final class FakeLiveConversation {

    /** The most output tokens a model turn uses. */
    static final long MOST = 40;
    /** Bytes of 16 kHz PCM16 audio input per token (25 tokens a second). */
    static final long INPUT_AUDIO_BYTES_PER_TOKEN = 1_280;
    /** Bytes of 24 kHz PCM16 audio output per token (25 tokens a second). */
    static final int OUTPUT_AUDIO_BYTES_PER_TOKEN = 1_920;
    private static final int TOKENS_PER_PART = 10;

    /** What a turn reports as usage: as Google does, a wrong count, or none. */
    enum Usage { NORMAL, GARBAGE, NONE, CACHED_AND_THOUGHTS }

    private final boolean audioOut;
    private final long output;
    private long text;
    private long audioBytes;
    /** The prompt the last turn carried: what a turn with {@link Usage#CACHED_AND_THOUGHTS} reads from the cache. */
    private long lastPrompt;

    /**
     * @param audioOut        whether the setup asked for {@code AUDIO} (else text)
     * @param maxOutputTokens the setup's {@code generationConfig.maxOutputTokens}, or -1
     * @param instructions    the system instruction's text
     */
    FakeLiveConversation(boolean audioOut, long maxOutputTokens, String instructions) {
        this.audioOut = audioOut;
        this.output = maxOutputTokens < 0 ? MOST : Math.min(MOST, maxOutputTokens);
        this.text = tokens(instructions);
    }

    /** Text the conversation heard (a user turn, a tool's answer). */
    void heard(String said) {
        text += tokens(said);
    }

    /** Base64 PCM16 at 16 kHz the conversation heard. */
    void heardAudio(String base64) {
        audioBytes += Base64.getDecoder().decode(base64).length;
    }

    /** The tokens of {@code said}: one per 4 bytes, rounded up. */
    static long tokens(String said) {
        return (said.getBytes(StandardCharsets.UTF_8).length + 3) / 4;
    }

    long audioTokens() {
        return audioBytes / INPUT_AUDIO_BYTES_PER_TOKEN;
    }

    /** The model's turn: its content, {@code generationComplete}, {@code turnComplete} and (as asked) its usage. */
    List<Map<String, Object>> modelTurn(Usage usage) {
        List<Map<String, Object>> messages = new ArrayList<>();
        for (long done = 0; done < output; done += TOKENS_PER_PART) {
            int tokens = (int) Math.min(TOKENS_PER_PART, output - done);
            Map<String, Object> part = audioOut
                    ? Map.of("inlineData", object("mimeType", "audio/pcm;rate=24000", "data",
                            Base64.getEncoder().encodeToString(new byte[tokens * OUTPUT_AUDIO_BYTES_PER_TOKEN])))
                    : Map.of("text", "tok ".repeat(tokens));
            messages.add(Map.of("serverContent", Map.of("modelTurn", Map.of("parts", List.of(part)))));
        }
        messages.add(Map.of("serverContent", Map.of("generationComplete", true)));
        messages.add(Map.of("serverContent", Map.of("turnComplete", true)));
        long prompt = text + audioTokens();
        if (usage != Usage.NONE) {
            messages.add(Map.of("usageMetadata", usage(prompt, usage)));
        }
        lastPrompt = prompt;
        if (audioOut) {
            audioBytes += output * INPUT_AUDIO_BYTES_PER_TOKEN;
        } else {
            text += output;
        }
        return messages;
    }

    private Map<String, Object> usage(long prompt, Usage kind) {
        Map<String, Object> usage = new LinkedHashMap<>();
        usage.put("promptTokenCount", prompt);
        usage.put("responseTokenCount", kind == Usage.GARBAGE ? "lots" : output);
        long thoughts = kind == Usage.CACHED_AND_THOUGHTS ? 8 : 0;
        usage.put("totalTokenCount", prompt + output + thoughts);
        List<Map<String, Object>> promptDetails = new ArrayList<>();
        promptDetails.add(object("modality", "TEXT", "tokenCount", text));
        if (audioTokens() > 0) {
            promptDetails.add(object("modality", "AUDIO", "tokenCount", audioTokens()));
        }
        usage.put("promptTokensDetails", promptDetails);
        usage.put("responseTokensDetails", List.of(object("modality", audioOut ? "AUDIO" : "TEXT",
                "tokenCount", output)));
        if (kind == Usage.CACHED_AND_THOUGHTS) {
            usage.put("cachedContentTokenCount", lastPrompt);
            usage.put("thoughtsTokenCount", thoughts);
        }
        return usage;
    }

    /** A JSON object of {@code pairs} (name, value, …) in that order, as Google writes its fields. */
    static Map<String, Object> object(Object... pairs) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            out.put((String) pairs[i], pairs[i + 1]);
        }
        return out;
    }
}

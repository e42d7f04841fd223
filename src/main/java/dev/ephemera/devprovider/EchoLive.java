package dev.ephemera.devprovider;

import dev.ephemera.json.StrictJson;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One Gemini Live session with the echo provider, in Google's {@code BidiGenerateContent} protocol: each client
 * message one JSON object with exactly one of {@code setup} (first, and once), {@code clientContent}, {@code
 * realtimeInput}, {@code toolResponse}; each answer a binary frame of UTF-8 JSON, as Google sends them; what it will
 * not serve ends the session with close 1007, as Google does. {@code setup} is answered {@code setupComplete}. A user
 * turn ({@code clientContent} with {@code turnComplete}, or {@code realtimeInput.text}) is echoed as {@code "echo:
 * <what was said>"}; a spoken turn (audio, then {@code audioStreamEnd} or {@code activityEnd}) as {@code "echo: (audio,
 * <n> ms)"}. With {@code responseModalities} {@code AUDIO} (Google's default) the answer is a 440 Hz tone of 40 ms
 * (24 kHz PCM16) per word of that text instead. Then {@code generationComplete}, {@code turnComplete} and {@code
 * usageMetadata}, billed as Google bills a turn (its prompt is the whole conversation so far) in the echo provider's
 * numbers: a word is a text token, a second of audio 25 tokens either way; {@code maxOutputTokens} caps the answer.
 */
final class EchoLive extends SimpleChannelInboundHandler<WebSocketFrame> {

    private static final Set<String> KINDS = Set.of("setup", "clientContent", "realtimeInput", "toolResponse");
    private static final Pattern RATE = Pattern.compile("^audio/pcm(?:;\\s*rate=(\\d{4,6}))?$");
    /** Audio tokens per second, in and out. */
    private static final int AUDIO_TOKENS_PER_SECOND = 25;
    /** Bytes of 24 kHz PCM16 output per token. */
    private static final int OUTPUT_BYTES_PER_TOKEN = 24_000 * 2 / AUDIO_TOKENS_PER_SECOND;

    private boolean setUp;
    private boolean audioOut = true;
    private long limit = Long.MAX_VALUE;
    /** Tokens of the conversation so far: text (words) and audio (in and out). */
    private long textTokens;
    private long audioTokens;
    /** Audio heard since the last turn, in milliseconds. */
    private long audioMillis;

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, WebSocketFrame frame) {
        if (frame instanceof CloseWebSocketFrame close) {
            ctx.writeAndFlush(close.retainedDuplicate()).addListener(ChannelFutureListener.CLOSE);
            return;
        }
        if (frame instanceof PingWebSocketFrame ping) {
            ctx.writeAndFlush(new PongWebSocketFrame(ping.content().retain()));
            return;
        }
        if (frame instanceof PongWebSocketFrame) {
            return;
        }
        Object parsed = StrictJson.parse(ByteBufUtil.getBytes(frame.content())).orElse(null);
        if (!(parsed instanceof Map<?, ?> message) || message.size() != 1
                || !KINDS.contains(message.keySet().iterator().next())
                || !(message.values().iterator().next() instanceof Map<?, ?> body)) {
            close(ctx, "Each message must be one JSON object with one of setup, clientContent, realtimeInput, "
                    + "toolResponse.");
            return;
        }
        String kind = (String) message.keySet().iterator().next();
        if (kind.equals("setup") && setUp) {
            close(ctx, "setup may be sent only once.");
        } else if (!kind.equals("setup") && !setUp) {
            close(ctx, "The first message must be setup.");
        } else if (kind.equals("setup")) {
            setup(ctx, body);
        } else if (kind.equals("clientContent")) {
            clientContent(ctx, body);
        } else if (kind.equals("realtimeInput")) {
            realtimeInput(ctx, body);
        }
        // A toolResponse is read and ignored: the echo provider calls no tools.
    }

    private void setup(ChannelHandlerContext ctx, Map<?, ?> setup) {
        setUp = true;
        Map<?, ?> generation = setup.get("generationConfig") instanceof Map<?, ?> g ? g : Map.of();
        if (generation.get("responseModalities") instanceof List<?> modalities) {
            audioOut = !modalities.contains("TEXT") || modalities.contains("AUDIO");
        }
        if (generation.containsKey("maxOutputTokens")) {
            limit = Echo.limit(generation.get("maxOutputTokens"));
        }
        textTokens = Echo.words(texts(setup.get("systemInstruction"))).size();
        send(ctx, List.of(Map.of("setupComplete", Map.of())));
    }

    private void clientContent(ChannelHandlerContext ctx, Map<?, ?> content) {
        String said = null;
        if (content.get("turns") instanceof List<?> turns) {
            for (Object turn : turns) {
                String text = texts(turn);
                textTokens += Echo.words(text).size();
                if (turn instanceof Map<?, ?> t && !"model".equals(t.get("role"))) {
                    said = text;
                }
            }
        }
        if (Boolean.TRUE.equals(content.get("turnComplete"))) {
            answer(ctx, said == null || said.isBlank() ? Echo.GREETING : "echo: " + said);
        }
    }

    private void realtimeInput(ChannelHandlerContext ctx, Map<?, ?> input) {
        if (input.get("audio") instanceof Map<?, ?> audio) {
            Matcher rate = RATE.matcher(audio.get("mimeType") instanceof String m ? m : "");
            long bytes;
            try {
                bytes = Base64.getDecoder().decode(audio.get("data") instanceof String d ? d : "").length;
            } catch (IllegalArgumentException notBase64) {
                bytes = -1;
            }
            if (!rate.matches() || bytes < 0) {
                close(ctx, "realtimeInput.audio must be base64 audio/pcm;rate=<hertz>.");
                return;
            }
            long hertz = rate.group(1) == null ? 16_000 : Long.parseLong(rate.group(1));
            audioMillis += bytes * 1000 / (2 * hertz);
        }
        if (input.get("text") instanceof String text) {
            textTokens += Echo.words(text).size();
            answer(ctx, "echo: " + text);
        }
        boolean ended = Boolean.TRUE.equals(input.get("audioStreamEnd")) || input.containsKey("activityEnd");
        if (ended && audioMillis > 0) {
            answer(ctx, "echo: (audio, " + audioMillis + " ms)");
        }
    }

    /** One model turn answering with {@code text} (as text, or as a tone of a token per word), and its usage. */
    private void answer(ChannelHandlerContext ctx, String text) {
        long heard = audioMillis * AUDIO_TOKENS_PER_SECOND / 1000;
        audioTokens += heard;
        audioMillis = 0;
        List<String> words = Echo.words(text);
        long most = Math.min(limit, Echo.MAX_WORDS);
        List<String> said = words.size() <= most ? words : words.subList(0, (int) most);
        List<Map<String, Object>> messages = new ArrayList<>();
        if (audioOut) {
            byte[] tone = tone(said.size() * OUTPUT_BYTES_PER_TOKEN / 2);
            for (int from = 0; from < tone.length; from += 10 * OUTPUT_BYTES_PER_TOKEN) {
                byte[] chunk = Arrays.copyOfRange(tone, from, Math.min(tone.length,
                        from + 10 * OUTPUT_BYTES_PER_TOKEN));
                messages.add(modelTurn(Map.of("inlineData", Map.of("mimeType", "audio/pcm;rate=24000",
                        "data", Base64.getEncoder().encodeToString(chunk)))));
            }
        } else {
            for (int i = 0; i < said.size(); i++) {
                messages.add(modelTurn(Map.of("text", (i == 0 ? "" : " ") + said.get(i))));
            }
        }
        messages.add(Map.of("serverContent", Map.of("generationComplete", true)));
        messages.add(Map.of("serverContent", Map.of("turnComplete", true)));
        long output = said.size();
        messages.add(Map.of("usageMetadata", usage(textTokens, audioTokens, output, audioOut)));
        if (audioOut) {
            audioTokens += output;
        } else {
            textTokens += output;
        }
        send(ctx, messages);
    }

    private static Map<String, Object> modelTurn(Map<String, Object> part) {
        return Map.of("serverContent", Map.of("modelTurn", Map.of("parts", List.of(part))));
    }

    /** The text parts of a {@code Content} ({@code {"parts":[{"text":…}]}}), joined by spaces. */
    private static String texts(Object content) {
        List<String> texts = new ArrayList<>();
        if (content instanceof Map<?, ?> c && c.get("parts") instanceof List<?> parts) {
            for (Object part : parts) {
                if (part instanceof Map<?, ?> p && p.get("text") instanceof String t) {
                    texts.add(t);
                }
            }
        }
        return String.join(" ", texts);
    }

    private static void send(ChannelHandlerContext ctx, List<Map<String, Object>> messages) {
        messages.forEach(m -> ctx.write(new BinaryWebSocketFrame(Unpooled.wrappedBuffer(StrictJson.write(m)))));
        ctx.flush();
    }

    /** Ends the session as Google ends one it will not serve: close 1007 with the reason. */
    private static void close(ChannelHandlerContext ctx, String reason) {
        ctx.writeAndFlush(new CloseWebSocketFrame(1007, reason)).addListener(ChannelFutureListener.CLOSE);
    }

    /** A 440 Hz tone of {@code samples} samples of 24 kHz PCM16, little-endian, at a quarter of full scale. */
    static byte[] tone(int samples) {
        byte[] pcm = new byte[samples * 2];
        for (int i = 0; i < samples; i++) {
            short sample = (short) (Math.sin(2 * Math.PI * 440 * i / 24_000.0) * Short.MAX_VALUE / 4);
            pcm[2 * i] = (byte) sample;
            pcm[2 * i + 1] = (byte) (sample >> 8);
        }
        return pcm;
    }

    /** A turn's {@code usageMetadata}: the whole conversation as its prompt, per modality, and its output. */
    private static Map<String, Object> usage(long text, long audio, long output, boolean audioOut) {
        Map<String, Object> usage = new LinkedHashMap<>();
        usage.put("promptTokenCount", text + audio);
        usage.put("responseTokenCount", output);
        usage.put("totalTokenCount", text + audio + output);
        List<Map<String, Object>> prompt = new ArrayList<>();
        prompt.add(modality("TEXT", text));
        if (audio > 0) {
            prompt.add(modality("AUDIO", audio));
        }
        usage.put("promptTokensDetails", prompt);
        usage.put("responseTokensDetails", List.of(modality(audioOut ? "AUDIO" : "TEXT", output)));
        return usage;
    }

    private static Map<String, Object> modality(String modality, long tokens) {
        Map<String, Object> detail = new LinkedHashMap<>();
        detail.put("modality", modality);
        detail.put("tokenCount", tokens);
        return detail;
    }
}

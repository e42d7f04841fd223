package dev.ephemera.support;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One realtime conversation of the fake provider's metered endpoint ({@code /fake/metered/realtime}), billed as a
 * real provider bills it: every response carries the whole conversation as its input (the session's instructions,
 * the items and audio added, every earlier response's output), the part an earlier response already carried is read
 * from the cache (cached text and cached audio reported apart), audio at the provider's rate of 10 tokens a second
 * (one per 4,800 bytes of 24 kHz PCM16), text at one token per 4 bytes; and every response uses all the output it
 * is allowed ({@code response.max_output_tokens}, else the session's, else 4,096), four fifths of it audio: the
 * client that spends as fast as it can. A {@code response.create} naming {@code "fake":"hold"} (in its metadata) is
 * started and never reported done; one naming {@code "fake":"garbage"} is reported done with usage that cannot be
 * read. One per connection; not thread-safe (its channel's event loop).
 */
final class FakeConversation {

    /** Every response its own id. */
    private static final AtomicLong RESPONSES = new AtomicLong();
    private static final Pattern RESPONSE_MAX = Pattern.compile(
            "\"response\"\\s*:\\s*\\{[^}]*\"max_output_tokens\"\\s*:\\s*(\\d+)");
    private static final Pattern SESSION_MAX = Pattern.compile(
            "\"max_(?:response_)?output_tokens\"\\s*:\\s*(\\d+)");
    private static final Pattern AUDIO = Pattern.compile("\"audio\"\\s*:\\s*\"([A-Za-z0-9+/=]*)\"");
    private static final Pattern INSTRUCTIONS = Pattern.compile("\"instructions\"\\s*:\\s*\"((?:[^\"\\\\]|\\\\.)*)\"");
    private static final Pattern TEXT = Pattern.compile("\"text\"\\s*:\\s*\"((?:[^\"\\\\]|\\\\.)*)\"");

    private long instructions;
    private long text;
    private long audio;
    /** The tokens the last response carried: read from the cache by the next, in the same proportions. */
    private long cachedText;
    private long cachedAudio;
    private long sessionMax = 4096;

    /** What the provider answers to {@code event}. */
    List<String> replies(String event) {
        if (event.contains("\"session.update\"")) {
            Matcher i = INSTRUCTIONS.matcher(event);
            if (i.find()) {
                instructions = i.group(1).getBytes(StandardCharsets.UTF_8).length / 4;
            }
            Matcher max = SESSION_MAX.matcher(event);
            if (max.find()) {
                sessionMax = Long.parseLong(max.group(1));
            }
            return List.of("{\"type\":\"session.updated\",\"session\":{\"type\":\"realtime\"}}");
        }
        if (event.contains("\"input_audio_buffer.append\"")) {
            Matcher a = AUDIO.matcher(event);
            if (a.find()) {
                audio += Base64.getDecoder().decode(a.group(1)).length / 4_800;
            }
            return List.of();
        }
        if (event.contains("\"conversation.item.create\"")) {
            Matcher t = TEXT.matcher(event);
            while (t.find()) {
                text += Math.max(1, t.group(1).getBytes(StandardCharsets.UTF_8).length / 4);
            }
            return List.of();
        }
        if (event.contains("\"response.create\"")) {
            return respond(event);
        }
        return List.of();
    }

    private List<String> respond(String event) {
        String id = "resp_m" + RESPONSES.incrementAndGet();
        if (event.contains("\"fake\":\"hold\"")) {
            // A response the provider starts and never reports done (the session will end under it).
            return List.of("{\"type\":\"response.created\",\"response\":{\"id\":\"" + id + "\"}}");
        }
        if (event.contains("\"fake\":\"garbage\"")) {
            // A response whose usage cannot be read: counts as text, not numbers.
            return List.of("{\"type\":\"response.created\",\"response\":{\"id\":\"" + id + "\"}}",
                    "{\"type\":\"response.done\",\"response\":{\"id\":\"" + id + "\",\"status\":\"completed\","
                            + "\"usage\":{\"input_tokens\":\"12\",\"output_tokens\":\"3000\"}}}");
        }
        Matcher max = RESPONSE_MAX.matcher(event);
        long output = max.find() ? Long.parseLong(max.group(1)) : sessionMax;
        long audioOut = output * 4 / 5;
        long inText = instructions + text;
        long input = inText + audio;
        long cachedT = Math.min(cachedText, inText);
        long cachedA = Math.min(cachedAudio, audio);
        String done = "{\"type\":\"response.done\",\"response\":{\"id\":\"" + id + "\",\"status\":\"completed\","
                + "\"usage\":{\"total_tokens\":" + (input + output) + ",\"input_tokens\":" + input
                + ",\"output_tokens\":" + output + ",\"input_token_details\":{\"text_tokens\":" + inText
                + ",\"audio_tokens\":" + audio + ",\"cached_tokens\":" + (cachedT + cachedA)
                + ",\"cached_tokens_details\":{\"text_tokens\":" + cachedT + ",\"audio_tokens\":" + cachedA
                + "}},\"output_token_details\":{\"text_tokens\":" + (output - audioOut) + ",\"audio_tokens\":"
                + audioOut + "}}}}";
        // What this response carried is cached for the next; its output joins the conversation.
        cachedText = inText;
        cachedAudio = audio;
        text += output - audioOut;
        audio += audioOut;
        return List.of("{\"type\":\"response.created\",\"response\":{\"id\":\"" + id + "\"}}", done);
    }
}

package dev.ephemera.relay.event;

import io.micronaut.core.annotation.Nullable;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Google's Live API ({@code BidiGenerateContent} over WebSocket), as Gemini's Developer API and Vertex AI speak it.
 * Each client message is a JSON object with exactly one of {@code setup} (the session's configuration: the first
 * message, and only then), {@code clientContent}, {@code realtimeInput} and {@code toolResponse}. Its fields are
 * protocol buffers written as JSON, whose parser takes a field's JSON name ({@code systemInstruction}) and its
 * original name ({@code system_instruction}) alike: every path has both spellings in every segment
 * ({@link #spellings}). There are no error messages: a refusal closes the session. The output limit is the
 * setup's {@code generationConfig.maxOutputTokens}, one for every turn ({@link #capsEachResponse} is false); the
 * provider reports each turn's usage in a {@code usageMetadata} message.
 */
public final class LiveProtocol implements RealtimeProtocol {

    static final LiveProtocol INSTANCE = new LiveProtocol();

    /** The configuration message. */
    public static final String SETUP = "setup";
    /** Every client message's key, under both spellings, and its JSON name. */
    static final Map<String, String> MESSAGES = Map.of(SETUP, SETUP,
            "clientContent", "clientContent", "client_content", "clientContent",
            "realtimeInput", "realtimeInput", "realtime_input", "realtimeInput",
            "toolResponse", "toolResponse", "tool_response", "toolResponse");
    /** The message that carries the client's streamed media: its long strings are checked, not copied. */
    static final String REALTIME_INPUT = "realtimeInput";
    /** The roles a content may have; any other may act as instructions. */
    static final Set<String> ROLES = Set.of("user", "model");
    /** The setup's path of the output limit of every turn. */
    public static final String MAX_OUTPUT = "generationConfig.maxOutputTokens";
    /** The setup's path of the system instruction, which no later content may stand in for. */
    static final String INSTRUCTION = "systemInstruction";

    private LiveProtocol() {
    }

    @Override
    public String name() {
        return "gemini-live";
    }

    @Override
    public ClientJudge judge(@Nullable Object session, List<String> lockedFields) {
        return new LiveMessageFilter(this, session, lockedFields);
    }

    @Override
    public ServerEventReader reader(int frameLimit) {
        return new LiveServerEvents(frameLimit);
    }

    @Override
    public boolean capsEachResponse() {
        return false;
    }

    /** Every spelling of a dotted path: each segment as its JSON name and as its original (snake_case) name. */
    @Override
    public List<String> spellings(String field) {
        List<String> out = new ArrayList<>(List.of(""));
        for (String segment : field.split("\\.")) {
            List<String> next = new ArrayList<>();
            for (String prefix : out) {
                for (String spelling : new java.util.LinkedHashSet<>(List.of(camel(segment), snake(segment)))) {
                    next.add(prefix.isEmpty() ? spelling : prefix + "." + spelling);
                }
            }
            out = next;
        }
        return out;
    }

    /** A field's JSON name: {@code system_instruction} is {@code systemInstruction}. */
    public static String camel(String name) {
        StringBuilder out = new StringBuilder(name.length());
        boolean upper = false;
        for (char c : name.toCharArray()) {
            if (c == '_') {
                upper = out.length() > 0;
            } else {
                out.append(upper ? Character.toUpperCase(c) : c);
                upper = false;
            }
        }
        return out.toString();
    }

    /** A field's original name: {@code systemInstruction} is {@code system_instruction}. */
    static String snake(String name) {
        StringBuilder out = new StringBuilder(name.length() + 4);
        for (char c : name.toCharArray()) {
            if (Character.isUpperCase(c)) {
                out.append('_').append(Character.toLowerCase(c));
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }

    /** What two spellings of one field have in common, and near-spellings too (case, spaces, underscores). */
    static String plain(String name) {
        return name.strip().toLowerCase(Locale.ROOT).replace("_", "");
    }
}

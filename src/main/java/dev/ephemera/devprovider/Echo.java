package dev.ephemera.devprovider;

import dev.ephemera.json.StrictJson;
import io.micronaut.core.annotation.Nullable;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * What the echo provider says and what it counts: it answers with what it was told, word by word, and counts a word
 * as a token, so usage and output limits behave as a real model's do, in numbers a reader can check.
 */
final class Echo {

    static final String GREETING = "Hello from the echo provider. Send a message, then ask for a response.";
    /** The longest answer, whatever the limit: a word is a message of its own, and a client can send many. */
    static final int MAX_WORDS = 1000;

    private Echo() {
    }

    /**
     * The words of the answer to {@code said} (the last thing the user said, or null), at most {@code limit} and
     * at most {@link #MAX_WORDS}.
     */
    static List<String> answer(@Nullable String said, long limit) {
        List<String> words = words(full(said));
        long most = Math.min(limit, MAX_WORDS);
        return words.size() <= most ? words : List.copyOf(words.subList(0, (int) Math.max(0, most)));
    }

    /** Whether {@code answer} was cut short of what {@code said} would have had. */
    static boolean cut(@Nullable String said, List<String> answer) {
        return answer.size() < words(full(said)).size();
    }

    private static String full(@Nullable String said) {
        return said == null || said.isBlank() ? GREETING : "You said: " + said;
    }

    static List<String> words(@Nullable String text) {
        return text == null ? List.of()
                : Arrays.stream(text.trim().split("\\s+")).filter(w -> !w.isEmpty()).toList();
    }

    /** The text of a message's {@code content}: a string, or the text parts of a list of parts. */
    static String text(@Nullable Object content) {
        if (content instanceof String s) {
            return s;
        }
        List<String> texts = new ArrayList<>();
        if (content instanceof List<?> parts) {
            for (Object part : parts) {
                if (part instanceof Map<?, ?> p && p.get("text") instanceof String t) {
                    texts.add(t);
                } else if (part instanceof Map<?, ?> p && p.get("transcript") instanceof String t) {
                    texts.add(t);
                }
            }
        }
        return String.join(" ", texts);
    }

    /** A token limit given as a whole number ({@code "inf"}, absent or anything else: no limit). */
    static long limit(@Nullable Object value) {
        if (value instanceof BigDecimal n && n.signum() >= 0) {
            try {
                return n.longValueExact();
            } catch (ArithmeticException notWhole) {
                return Long.MAX_VALUE;
            }
        }
        return Long.MAX_VALUE;
    }

    /** The JSON text of {@code value}. */
    static String json(Object value) {
        return new String(StrictJson.write(value), java.nio.charset.StandardCharsets.UTF_8);
    }
}

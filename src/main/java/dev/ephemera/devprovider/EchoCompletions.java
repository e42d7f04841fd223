package dev.ephemera.devprovider;

import io.micronaut.core.annotation.Nullable;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code POST /chat/completions} on the echo provider, in OpenAI's shape: the answer repeats the last user message,
 * one word per stream chunk when {@code stream} is true, capped by {@code max_completion_tokens} (or {@code
 * max_tokens}); usage counts a word as a token, in the last chunk when {@code stream_options.include_usage} asks.
 */
final class EchoCompletions {

    private final String model;
    private final List<String> answer;
    private final String finish;
    private final long input;
    private final String id = "chatcmpl-echo-" + Long.toHexString(System.nanoTime());
    private final long created;

    EchoCompletions(Map<?, ?> request, Instant now) {
        this.created = now.getEpochSecond();
        this.model = request.get("model") instanceof String m ? m : "echo";
        String last = null;
        long words = 0;
        if (request.get("messages") instanceof List<?> messages) {
            for (Object message : messages) {
                if (message instanceof Map<?, ?> m) {
                    String text = Echo.text(m.get("content"));
                    words += Echo.words(text).size();
                    if ("user".equals(m.get("role"))) {
                        last = text;
                    }
                }
            }
        }
        this.input = words;
        Object limit = request.containsKey("max_completion_tokens") ? request.get("max_completion_tokens")
                : request.get("max_tokens");
        this.answer = Echo.answer(last, Echo.limit(limit));
        this.finish = Echo.cut(last, answer) ? "length" : "stop";
    }

    /** The whole answer as one {@code chat.completion} object. */
    Map<String, Object> completion() {
        Map<String, Object> message = Map.of("role", "assistant", "content", String.join(" ", answer));
        Map<String, Object> out = head("chat.completion");
        out.put("choices", List.of(Map.of("index", 0, "message", message, "finish_reason", finish)));
        out.put("usage", usage());
        return out;
    }

    /** The answer as {@code chat.completion.chunk} objects: the role, a word each, the finish, and usage if asked. */
    List<Map<String, Object>> chunks(boolean includeUsage) {
        List<Map<String, Object>> chunks = new ArrayList<>();
        chunks.add(chunk(Map.of("role", "assistant", "content", ""), null));
        for (int i = 0; i < answer.size(); i++) {
            chunks.add(chunk(Map.of("content", (i == 0 ? "" : " ") + answer.get(i)), null));
        }
        chunks.add(chunk(Map.of(), finish));
        if (includeUsage) {
            Map<String, Object> last = head("chat.completion.chunk");
            last.put("choices", List.of());
            last.put("usage", usage());
            chunks.add(last);
        }
        return chunks;
    }

    private Map<String, Object> chunk(Map<String, Object> delta, @Nullable String finishReason) {
        Map<String, Object> choice = new LinkedHashMap<>();
        choice.put("index", 0);
        choice.put("delta", delta);
        choice.put("finish_reason", finishReason);
        Map<String, Object> out = head("chat.completion.chunk");
        out.put("choices", List.of(choice));
        return out;
    }

    private Map<String, Object> head(String object) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("id", id);
        out.put("object", object);
        out.put("created", created);
        out.put("model", model);
        return out;
    }

    private Map<String, Object> usage() {
        return Map.of("prompt_tokens", input, "completion_tokens", (long) answer.size(),
                "total_tokens", input + answer.size());
    }
}

package dev.ephemera.relay.event;

import io.micronaut.core.annotation.Nullable;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * What in a request or a realtime event brings the provider input, or work, that the broker cannot see and so cannot
 * price before it is billed (SPEC §11): stored state named by id (a previous response, a conversation, a reusable
 * prompt, a file, Gemini's cached content, a realtime item referenced again), content fetched from a URL (an image,
 * a document), tools the provider runs itself and bills apart (web search, file search, code, image generation,
 * MCP servers), background work, and transcription (billed at a model of its own, reported apart). A token under a
 * money limit may not send them ({@code usage_not_measurable}); inline content (base64 audio, images, files) is
 * fine, since its bytes bound its tokens. Judged on the parsed event, at any depth (the parser bounds it).
 */
public final class HiddenInput {

    /** Fields whose mere presence (not null) names input kept by the provider or work it does apart. */
    private static final Set<String> STORED = Set.of("previous_response_id", "file_id", "file_url", "fileData",
            "cachedContent", "cached_content", "input_audio_transcription", "transcription", "mcp_servers",
            "container", "web_search_options");
    /** Tool types the caller runs (the provider only asks for them): every other type runs at the provider. */
    private static final Set<String> CLIENT_TOOLS = Set.of("function", "custom");
    /** The values of {@code conversation} that name no stored conversation (realtime's out-of-band responses). */
    private static final Set<String> NO_CONVERSATION = Set.of("auto", "none");

    private HiddenInput() {
    }

    /** The name of the first field in {@code json} that brings hidden input, or empty when none does. */
    public static Optional<String> find(@Nullable Object json) {
        return Optional.ofNullable(walk(json));
    }

    @Nullable
    private static String walk(@Nullable Object node) {
        if (node instanceof List<?> list) {
            for (Object item : list) {
                String found = walk(item);
                if (found != null) {
                    return found;
                }
            }
        } else if (node instanceof Map<?, ?> map) {
            for (Map.Entry<?, ?> entry : map.entrySet()) {
                String found = field((String) entry.getKey(), entry.getValue());
                if (found == null) {
                    found = walk(entry.getValue());
                }
                if (found != null) {
                    return found;
                }
            }
        }
        return null;
    }

    @Nullable
    private static String field(String name, @Nullable Object value) {
        if (value == null) {
            return null;
        }
        boolean hidden = switch (name) {
            case "conversation" -> !(value instanceof String s && NO_CONVERSATION.contains(s));
            case "prompt" -> value instanceof Map<?, ?>;
            case "image_url" -> !inline(value instanceof Map<?, ?> m ? m.get("url") : value);
            case "type" -> value.equals("item_reference") || value.equals("mcp") || value.equals("url");
            case "background" -> Boolean.TRUE.equals(value);
            case "tools" -> value instanceof List<?> tools && tools.stream().anyMatch(HiddenInput::hosted);
            default -> STORED.contains(name);
        };
        return hidden ? name : null;
    }

    /** Whether {@code tool} is one the provider runs itself: a type other than the caller's own. */
    private static boolean hosted(@Nullable Object tool) {
        return tool instanceof Map<?, ?> t && t.get("type") != null && !CLIENT_TOOLS.contains(t.get("type"));
    }

    /** Whether an image's reference is inline data ({@code data:}), not a URL the provider fetches. */
    private static boolean inline(@Nullable Object url) {
        return url instanceof String s && s.regionMatches(true, 0, "data:", 0, 5);
    }
}

package dev.ephemera.relay.http;

import dev.ephemera.relay.event.OutputBudget;
import java.util.Map;
import java.util.Set;

/**
 * OpenAI's chat completions report a stream's usage only when asked ({@code stream_options.include_usage}): the
 * relay always asks, also where the client said not to, so that every streamed response's usage is counted (SPEC
 * §7, §11: usage reporting is forced where the provider has a switch). The client then gets one more chunk at the
 * end, with empty {@code choices} and the usage, as OpenAI documents. Nothing else in the body changes.
 */
final class StreamUsageOption {

    /** The providers whose chat completions take {@code stream_options}. */
    private static final Set<String> PROVIDERS = Set.of("openai", "azure");

    private StreamUsageOption() {
    }

    /** Whether a request to {@code provider}'s {@code path} may need the option (before its body is read). */
    static boolean applies(String provider, String path) {
        return PROVIDERS.contains(provider) && path.endsWith("/chat/completions");
    }

    /** Asks for the stream's usage in {@code json}, a streamed request's body; whether it changed. */
    static boolean ask(Map<String, Object> json) {
        if (!Boolean.TRUE.equals(json.get("stream"))) {
            return false;
        }
        Object given = json.get("stream_options");
        if (given instanceof Map<?, ?> m && Boolean.TRUE.equals(m.get("include_usage"))) {
            return false;
        }
        Map<String, Object> options = OutputBudget.copy(given);
        options.put("include_usage", Boolean.TRUE);
        json.put("stream_options", options);
        return true;
    }
}

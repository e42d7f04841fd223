package dev.ephemera.relay;

import dev.ephemera.relay.event.StrictJson;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpHeaders;
import io.micronaut.http.MutableHttpRequest;
import io.micronaut.http.body.AvailableByteBody;
import io.micronaut.http.body.CloseableAvailableByteBody;
import io.micronaut.http.netty.body.AvailableNettyByteBody;
import io.netty.buffer.Unpooled;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * OpenAI's chat completions report a stream's usage only when asked ({@code stream_options.include_usage}): the
 * relay asks, where the client did not, so that a streamed response's usage is counted (SPEC §11). The client then
 * gets one more chunk at the end, with empty {@code choices} and the usage, as OpenAI documents. Nothing else in
 * the body changes; a body that is not one strict JSON object is sent as it came.
 */
final class StreamUsageOption {

    /** The providers whose chat completions take {@code stream_options}. */
    private static final Set<String> PROVIDERS = Set.of("openai", "azure");

    private StreamUsageOption() {
    }

    /**
     * The body to send instead of {@code body} (the whole request body) for a request to {@code provider}'s
     * {@code path}, with {@code request}'s {@code Content-Length} set to match; empty when it goes as it came.
     */
    static Optional<CloseableAvailableByteBody> added(String provider, String path, MutableHttpRequest<?> request,
            @Nullable AvailableByteBody body) {
        if (body == null || !PROVIDERS.contains(provider) || !path.endsWith("/chat/completions")) {
            return Optional.empty();
        }
        byte[] bytes;
        try (CloseableAvailableByteBody copy = body.split()) {
            bytes = copy.toByteArray();
        }
        if (!(StrictJson.parse(bytes).orElse(null) instanceof Map<?, ?> json) || !Boolean.TRUE.equals(json.get(
                "stream"))) {
            return Optional.empty();
        }
        Map<String, Object> options = new LinkedHashMap<>();
        if (json.get("stream_options") instanceof Map<?, ?> given) {
            if (given.containsKey("include_usage")) {
                return Optional.empty();
            }
            given.forEach((k, v) -> options.put((String) k, v));
        } else if (json.containsKey("stream_options")) {
            return Optional.empty();
        }
        options.put("include_usage", Boolean.TRUE);
        Map<String, Object> asked = new LinkedHashMap<>();
        json.forEach((k, v) -> asked.put((String) k, v));
        asked.put("stream_options", options);
        byte[] rewritten = StrictJson.write(asked);
        request.getHeaders().set(HttpHeaders.CONTENT_LENGTH, Integer.toString(rewritten.length));
        return Optional.of(new AvailableNettyByteBody(Unpooled.wrappedBuffer(rewritten)));
    }
}

package dev.ephemera.relay.event;

import dev.ephemera.json.StrictJson;
import dev.ephemera.session.Usage;
import io.micronaut.core.annotation.Nullable;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * Reads the usage a provider reports in an HTTP response, as its bytes pass (SPEC §11): in a JSON body, its
 * {@code usage} (OpenAI, Anthropic) or {@code usageMetadata} (Gemini); in a stream of server-sent events, every
 * event's {@code usage}, {@code message.usage} (Anthropic's {@code message_start}), {@code response.usage} (OpenAI's
 * Responses API) or {@code usageMetadata}, each count taken at its highest, since streams report counts so far.
 * The whole is one response. What it holds is bounded: a JSON body or one event larger than {@link #LIMIT} is not
 * read (its usage is then unknown). Not thread-safe: fed in order by one subscriber.
 */
public final class HttpUsage {

    /** The most a JSON body, or one event of a stream, may hold for its usage to be read. */
    public static final int LIMIT = 4 * 1024 * 1024;

    private final boolean stream;
    private final ByteArrayOutputStream pending = new ByteArrayOutputStream();
    /** Within a stream: the current event's data lines, joined. */
    private final ByteArrayOutputStream data = new ByteArrayOutputStream();
    private boolean overflow;
    private long input;
    private long output;
    private long total;
    private long cached;
    private long audioIn;
    private long audioOut;
    private long cachedAudio;
    private long reasoning;
    private boolean seen;

    /** A reader for a body of {@code contentType}; null when the body cannot report usage (not JSON, not SSE). */
    @Nullable
    public static HttpUsage forContentType(@Nullable String contentType) {
        if (contentType == null) {
            return null;
        }
        String type = contentType.toLowerCase(java.util.Locale.ROOT);
        if (type.startsWith("text/event-stream")) {
            return new HttpUsage(true);
        }
        return type.startsWith("application/json") || type.contains("+json") ? new HttpUsage(false) : null;
    }

    private HttpUsage(boolean stream) {
        this.stream = stream;
    }

    /** The next bytes of the body. */
    public void accept(byte[] chunk) {
        if (!stream) {
            if (!overflow && pending.size() + chunk.length <= LIMIT) {
                pending.writeBytes(chunk);
            } else {
                overflow = true;
                pending.reset();
            }
            return;
        }
        int start = 0;
        for (int i = 0; i < chunk.length; i++) {
            if (chunk[i] == '\n') {
                line(chunk, start, i);
                start = i + 1;
            }
        }
        if (start < chunk.length) {
            if (pending.size() + chunk.length - start <= LIMIT) {
                pending.write(chunk, start, chunk.length - start);
            } else {
                overflow = true;
            }
        }
    }

    /** One line of a stream, ended at {@code end} (its {@code \n}); an empty line ends an event. */
    private void line(byte[] chunk, int start, int end) {
        byte[] line;
        if (pending.size() > 0) {
            pending.write(chunk, start, end - start);
            line = pending.toByteArray();
            pending.reset();
        } else {
            line = java.util.Arrays.copyOfRange(chunk, start, end);
        }
        int length = line.length > 0 && line[line.length - 1] == '\r' ? line.length - 1 : line.length;
        if (overflow) {
            overflow = length != 0;
            data.reset();
            return;
        }
        if (length == 0) {
            event();
            return;
        }
        String text = new String(line, 0, length, StandardCharsets.UTF_8);
        if (text.startsWith("data:")) {
            String value = text.substring(text.startsWith("data: ") ? 6 : 5);
            if (data.size() + value.length() > LIMIT) {
                overflow = true;
                data.reset();
                return;
            }
            if (data.size() > 0) {
                data.write('\n');
            }
            data.writeBytes(value.getBytes(StandardCharsets.UTF_8));
        }
    }

    private void event() {
        if (data.size() == 0) {
            return;
        }
        byte[] json = data.toByteArray();
        data.reset();
        if (StrictJson.parse(json).orElse(null) instanceof Map<?, ?> event) {
            take(event.get("usage"));
            if (event.get("message") instanceof Map<?, ?> message) {
                take(message.get("usage"));
            }
            if (event.get("response") instanceof Map<?, ?> response) {
                take(response.get("usage"));
            }
            take(event.get("usageMetadata"));
        }
    }

    private void take(@Nullable Object usage) {
        Usage u = UsageFields.of(usage);
        if (u == null) {
            return;
        }
        seen = true;
        input = Math.max(input, u.inputTokens());
        output = Math.max(output, u.outputTokens());
        total = Math.max(total, u.totalTokens());
        cached = Math.max(cached, u.cachedTokens());
        audioIn = Math.max(audioIn, u.audioInputTokens());
        audioOut = Math.max(audioOut, u.audioOutputTokens());
        cachedAudio = Math.max(cachedAudio, u.cachedAudioTokens());
        reasoning = Math.max(reasoning, u.reasoningTokens());
    }

    /** The body ended: the usage it reported, or null when it reported none (or was too large to read). */
    @Nullable
    public Usage finish() {
        if (stream) {
            if (pending.size() > 0) {
                byte[] last = pending.toByteArray();
                pending.reset();
                line(last, 0, last.length);
            }
            event();
        } else if (!overflow) {
            Object body = StrictJson.parse(pending.toByteArray()).orElse(null);
            // Gemini's streamGenerateContent without SSE answers a JSON array of chunks.
            for (Object part : body instanceof java.util.List<?> parts ? parts : java.util.List.of(body == null
                    ? Map.of() : body)) {
                if (part instanceof Map<?, ?> m) {
                    take(m.get("usage"));
                    take(m.get("usageMetadata"));
                }
            }
        }
        return seen ? Usage.ofResponse(input, output, Math.max(total, input + output), cached, audioIn, audioOut,
                cachedAudio, reasoning)
                : null;
    }
}

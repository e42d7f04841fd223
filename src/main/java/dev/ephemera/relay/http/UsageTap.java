package dev.ephemera.relay.http;

import dev.ephemera.relay.event.HttpUsage;
import dev.ephemera.session.Usage;
import io.micronaut.http.HttpHeaders;
import io.micronaut.http.MutableHttpResponse;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * Reads a relayed HTTP response's usage as it streams to the client, without holding it back or changing it
 * ({@link TappedResponse}): each chunk goes to a {@link HttpUsage} reader as it passes; when the body ends, the usage
 * found goes to {@code sink} (null when it reported none). A body cut short (the client went away, the provider
 * failed) reports what it had.
 */
final class UsageTap implements TappedResponse.Reader {

    private final HttpUsage reader;
    private final Consumer<Usage> sink;
    private final AtomicBoolean ended = new AtomicBoolean();

    private UsageTap(HttpUsage reader, Consumer<Usage> sink) {
        this.reader = reader;
        this.sink = sink;
    }

    /**
     * {@code response}, tapped when its body can report usage (JSON or server-sent events, not compressed); for any
     * other body {@code sink} is told at once that it reports none.
     */
    static <B> MutableHttpResponse<B> attach(MutableHttpResponse<B> response, Consumer<Usage> sink) {
        String encoding = response.getHeaders().get(HttpHeaders.CONTENT_ENCODING);
        HttpUsage reader = encoding != null && !encoding.equalsIgnoreCase("identity") ? null
                : HttpUsage.forContentType(response.getHeaders().get(HttpHeaders.CONTENT_TYPE));
        if (reader == null) {
            sink.accept(null);
            return response;
        }
        return TappedResponse.of(response, new UsageTap(reader, sink));
    }

    @Override
    public void chunk(ByteBuf content) {
        if (content.isReadable()) {
            reader.accept(ByteBufUtil.getBytes(content));
        }
    }

    @Override
    public void end(boolean complete) {
        if (ended.compareAndSet(false, true)) {
            sink.accept(reader.finish());
        }
    }
}

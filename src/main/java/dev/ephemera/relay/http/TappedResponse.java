package dev.ephemera.relay.http;

import io.micronaut.core.convert.value.MutableConvertibleValues;
import io.micronaut.http.MutableHttpHeaders;
import io.micronaut.http.MutableHttpResponse;
import io.micronaut.http.cookie.Cookie;
import io.micronaut.http.netty.NettyHttpResponseBuilder;
import io.micronaut.http.netty.stream.DefaultStreamedHttpResponse;
import io.micronaut.http.netty.stream.StreamedHttpResponse;
import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpResponse;
import java.util.Optional;
import reactor.core.publisher.Flux;

/**
 * A streamed provider response as the relay passes it on, with every chunk of its body also shown, as it goes to
 * the client, to a reader of its usage: the chunks are only read (their reader index untouched), never held back
 * or copied into the response. Micronaut's proxy client answers with a Netty response that the server writes by
 * its {@link NettyHttpResponseBuilder} side; this wraps that side and delegates everything else, so the filters
 * after the relay still set headers on the response itself. The types it builds on are marked internal to
 * Micronaut; {@code HttpUsageTest} fails if they stop working so.
 */
final class TappedResponse<B> implements MutableHttpResponse<B>, NettyHttpResponseBuilder {

    /** What reads the body: each chunk, then the end (true) or a failure or cancellation (false). */
    interface Reader {
        void chunk(ByteBuf content);

        void end(boolean complete);
    }

    private final MutableHttpResponse<B> response;
    private final NettyHttpResponseBuilder netty;
    private final Reader reader;

    private TappedResponse(MutableHttpResponse<B> response, NettyHttpResponseBuilder netty, Reader reader) {
        this.response = response;
        this.netty = netty;
        this.reader = reader;
    }

    /** {@code response} with its streamed body shown to {@code reader}; the response itself when it is not one. */
    static <B> MutableHttpResponse<B> of(MutableHttpResponse<B> response, Reader reader) {
        return response instanceof NettyHttpResponseBuilder netty && netty.isStream()
                ? new TappedResponse<>(response, netty, reader) : response;
    }

    @Override
    public HttpResponse toHttpResponse() {
        StreamedHttpResponse original = netty.toStreamHttpResponse();
        Flux<HttpContent> tapped = Flux.from(original)
                .doOnNext(content -> reader.chunk(content.content()))
                .doOnComplete(() -> reader.end(true))
                .doOnError(e -> reader.end(false))
                .doOnCancel(() -> reader.end(false));
        return new DefaultStreamedHttpResponse(original.protocolVersion(), original.status(), original.headers(),
                tapped);
    }

    @Override
    public StreamedHttpResponse toStreamHttpResponse() {
        return (StreamedHttpResponse) toHttpResponse();
    }

    @Override
    public FullHttpResponse toFullHttpResponse() {
        throw new UnsupportedOperationException("a relayed response is streamed");
    }

    @Override
    public boolean isStream() {
        return true;
    }

    @Override
    public MutableHttpResponse<B> cookie(Cookie cookie) {
        response.cookie(cookie);
        return this;
    }

    /** Micronaut clears the body of a response it writes by its Netty side; the streamed body stays. */
    @Override
    @SuppressWarnings("unchecked")
    public <T> MutableHttpResponse<T> body(T body) {
        response.body(body);
        return (MutableHttpResponse<T>) this;
    }

    @Override
    public MutableHttpResponse<B> status(int status, CharSequence message) {
        response.status(status, message);
        return this;
    }

    @Override
    public int code() {
        return response.code();
    }

    @Override
    public String reason() {
        return response.reason();
    }

    @Override
    public MutableHttpHeaders getHeaders() {
        return response.getHeaders();
    }

    @Override
    public MutableConvertibleValues<Object> getAttributes() {
        return response.getAttributes();
    }

    @Override
    public Optional<B> getBody() {
        return response.getBody();
    }
}

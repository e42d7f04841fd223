package dev.ephemera.relay.http;

import io.micronaut.core.convert.ConversionService;
import io.micronaut.http.MutableHttpRequest;
import io.micronaut.http.MutableHttpRequestWrapper;
import io.micronaut.http.body.ByteBody;
import io.micronaut.http.body.CloseableAvailableByteBody;
import io.micronaut.http.netty.NettyHttpRequestBuilder;
import io.netty.handler.codec.http.HttpRequest;

/**
 * A relayed request whose body has been read whole: Micronaut's client sends these bytes as they are, in one write
 * with the headers, and pools the connection afterwards. Both types it builds on are marked internal to Micronaut
 * (its own client wraps raw requests the same way); {@code HttpRelayTest} fails if they stop working so.
 */
final class WholeBodyRequest<B> extends MutableHttpRequestWrapper<B> implements NettyHttpRequestBuilder {

    private final CloseableAvailableByteBody body;

    WholeBodyRequest(MutableHttpRequest<B> request, CloseableAvailableByteBody body) {
        super(ConversionService.SHARED, request);
        this.body = body;
    }

    @Override
    public ByteBody byteBodyDirect() {
        return body;
    }

    @Override
    public <T> MutableHttpRequest<T> body(T replacement) {
        throw new UnsupportedOperationException("The body of a relayed request is the client's");
    }

    @Override
    public HttpRequest toHttpRequestWithoutBody() {
        return NettyHttpRequestBuilder.asBuilder(getDelegate()).toHttpRequestWithoutBody();
    }
}

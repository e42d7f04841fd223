package dev.ephemera.relay.http;

import dev.ephemera.session.Usage;
import dev.ephemera.token.RedeemedToken;
import dev.ephemera.trace.GenAi;
import dev.ephemera.trace.Spans;
import dev.ephemera.trace.Tracing;
import io.micronaut.core.annotation.Nullable;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.context.Scope;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BiPredicate;

/**
 * A relayed HTTP request's span: a child of the span that minted its token, from the redemption to the end of the
 * answer, with the GenAI conventions' attributes (the operation its endpoint is, the provider, the model, the usage
 * the provider reported) and the answer's status. Ended once, however the request ends. Ids only, never the body.
 */
final class RequestSpan {

    private static final AttributeKey<Long> STATUS = AttributeKey.longKey("http.response.status_code");
    private static final AttributeKey<String> METHOD = AttributeKey.stringKey("http.request.method");

    private final Span span;
    private final Map<String, String> toProvider;
    private final AtomicBoolean ended = new AtomicBoolean();

    private RequestSpan(Span span, Map<String, String> toProvider) {
        this.span = span;
        this.toProvider = toProvider;
    }

    /**
     * The span of a {@code method} request to {@code path} of the provider, with {@code token}, for {@code model}:
     * the client's, so named in the span only where it is the token's or one the broker {@code knows} (prices); a
     * client's own token sent as a model name, say, is never exported.
     */
    static RequestSpan start(Tracing tracing, RedeemedToken token, String method, String path,
            @Nullable String model, BiPredicate<String, String> knows) {
        if (!tracing.on()) {
            return new RequestSpan(Span.getInvalid(), Map.of());
        }
        String operation = operation(path);
        String asked = model == null || model.equals(token.model()) || knows.test(token.provider(), model)
                ? model : null;
        String named = GenAi.name(asked != null ? asked : token.model());
        Span span = tracing.start(operation + (named == null ? "" : " " + named), SpanKind.CLIENT,
                tracing.carried(token.traceParent()));
        span.setAttribute(GenAi.OPERATION, operation);
        GenAi.provider(span, token.provider(), named);
        span.setAttribute(GenAi.TOKEN_ID, token.id());
        span.setAttribute(GenAi.KEY_ID, token.keyId());
        span.setAttribute(METHOD, method);
        return new RequestSpan(span, tracing.toProvider(span));
    }

    /** The conventions' operation of an endpoint path, as far as the path says; else the broker's {@code relay}. */
    static String operation(String path) {
        if (path.endsWith("/chat/completions") || path.endsWith("/messages") || path.endsWith("/responses")
                || path.endsWith("/chat")) {
            return "chat";
        }
        if (path.endsWith(":generateContent") || path.endsWith(":streamGenerateContent")) {
            return "generate_content";
        }
        if (path.endsWith("/embeddings") || path.endsWith(":embedContent")) {
            return "embeddings";
        }
        return path.endsWith("/completions") ? "text_completion" : "relay";
    }

    /** The headers that carry the trace to the provider (none unless configured). */
    Map<String, String> toProvider() {
        return toProvider;
    }

    /** Makes the span current, for the lines logged about the request ({@code %traceIds}). */
    Scope current() {
        return span.makeCurrent();
    }

    /** The provider answered {@code status}. */
    void answered(int status) {
        span.setAttribute(STATUS, status);
    }

    /** The answer ended having reported {@code usage} (null: none). */
    void counted(@Nullable Usage usage) {
        if (usage != null && !ended.get()) {
            span.setAllAttributes(GenAi.usage(usage.inputTokens(), usage.outputTokens(), usage.cachedTokens(),
                    usage.audioInputTokens(), usage.audioOutputTokens(), usage.reasoningTokens(), 0));
        }
        end(null);
    }

    /** The request ended, failed when {@code failure} is not null. */
    void end(@Nullable Throwable failure) {
        if (ended.compareAndSet(false, true)) {
            Spans.end(span, failure);
        }
    }
}

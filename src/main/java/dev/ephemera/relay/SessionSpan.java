package dev.ephemera.relay;

import dev.ephemera.session.Usage;
import dev.ephemera.token.RedeemedToken;
import dev.ephemera.trace.GenAi;
import dev.ephemera.trace.Tracing;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.context.Scope;

/**
 * A realtime session's span: one long span from the handshake to the close, a child of the span that minted its
 * token, with the GenAI conventions' attributes (operation {@code realtime}, the provider, the model, the session id
 * as the conversation's), an event {@code gen_ai.response} for each response with its usage, and at the end the
 * close reason and what the whole session used. Ids only: a session's span never holds a token or a key. Used on the
 * session's event loop, as its meter is.
 */
public final class SessionSpan {

    /** No span: tracing is off, or a test's meter. */
    public static final SessionSpan NONE = new SessionSpan(Span.getInvalid());

    private final Span span;
    private Usage total = Usage.NONE;
    private boolean ended;

    private SessionSpan(Span span) {
        this.span = span;
    }

    /** Starts the span of session {@code sessionId}, opened with {@code token} over {@code transport}. */
    public static SessionSpan start(Tracing tracing, RedeemedToken token, String sessionId, String transport) {
        if (!tracing.on()) {
            return NONE;
        }
        String model = GenAi.name(token.model());
        Span span = tracing.start("realtime" + (model == null ? "" : " " + model), SpanKind.CLIENT,
                tracing.carried(token.traceParent()));
        span.setAttribute(GenAi.OPERATION, "realtime");
        GenAi.provider(span, token.provider(), token.model());
        span.setAttribute(GenAi.CONVERSATION, sessionId);
        span.setAttribute(GenAi.SESSION_ID, sessionId);
        span.setAttribute(GenAi.TOKEN_ID, token.id());
        span.setAttribute(GenAi.KEY_ID, token.keyId());
        span.setAttribute(GenAi.TRANSPORT, transport);
        return new SessionSpan(span);
    }

    /** The span, for the headers that carry its trace to the provider ({@link Tracing#toProvider}). */
    public Span span() {
        return span;
    }

    /** Makes the span current, for the lines logged about the session ({@code %traceIds}). */
    public Scope current() {
        return span.makeCurrent();
    }

    /** A response the provider reported done, with its usage. */
    void response(Usage usage) {
        if (ended || span == NONE.span) {
            return;
        }
        total = total.plus(usage);
        span.addEvent("gen_ai.response", attributes(usage));
    }

    /** The session ended for {@code reason}: the span ends, once, with what the session used. */
    void ended(String reason) {
        if (ended || span == NONE.span) {
            return;
        }
        ended = true;
        span.setAttribute(GenAi.CLOSE_REASON, reason);
        span.setAllAttributes(attributes(total));
        span.setAttribute(GenAi.RESPONSES, total.responses());
        span.end();
    }

    private static Attributes attributes(Usage usage) {
        return GenAi.usage(usage.inputTokens(), usage.outputTokens(), usage.cachedTokens(), usage.audioInputTokens(),
                usage.audioOutputTokens(), usage.reasoningTokens(), usage.costMicros());
    }
}

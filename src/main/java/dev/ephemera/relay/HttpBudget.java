package dev.ephemera.relay;

import dev.ephemera.error.BrokerException;
import dev.ephemera.error.ErrorCode;
import dev.ephemera.relay.event.OutputBudget;
import dev.ephemera.relay.event.StrictJson;
import dev.ephemera.session.LiveSessions;
import dev.ephemera.session.Usage;
import dev.ephemera.token.RedeemedToken;
import dev.ephemera.token.UsageLimits;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpHeaders;
import io.micronaut.http.MutableHttpRequest;
import io.micronaut.http.body.AvailableByteBody;
import io.micronaut.http.body.CloseableAvailableByteBody;
import io.micronaut.http.netty.body.AvailableNettyByteBody;
import io.netty.buffer.Unpooled;
import jakarta.inject.Singleton;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * The HTTP relay's side of a token's limits and usage (SPEC §11): what is left of its budget before a request goes
 * on, the request's output capped at it, and the usage its answer reports counted on the token, its key and the
 * day.
 */
@Singleton
final class HttpBudget {

    private final LiveSessions sessions;

    HttpBudget(LiveSessions sessions) {
        this.sessions = sessions;
    }

    /**
     * What is left of the token's tokens (null: no such limit), asked of the store only for a token with limits. A
     * token whose tokens or responses are spent is refused ({@code 429 quota_exceeded}); its use is taken already,
     * but a spent token's uses are worth nothing.
     */
    CompletionStage<Long> left(RedeemedToken token) {
        UsageLimits limits = token.limits();
        if (limits.maxTotalTokens() == null && limits.maxResponses() == null) {
            return CompletableFuture.completedFuture(null);
        }
        return sessions.tokenUsage(token.id()).thenApply(used -> {
            if (limits.maxTotalTokens() != null && used.totalTokens() >= limits.maxTotalTokens()
                    || limits.maxResponses() != null && used.responses() >= limits.maxResponses()) {
                throw new BrokerException(ErrorCode.QUOTA_EXCEEDED, "This token's usage limit is reached; mint "
                        + "another.");
            }
            return limits.maxTotalTokens() == null ? null : limits.maxTotalTokens() - used.totalTokens();
        });
    }

    /** The usage an answer reported. */
    void counted(RedeemedToken token, Usage usage) {
        sessions.add(token, usage);
    }

    /**
     * The body to send instead of the client's {@code body}, read and written once: its output capped at
     * {@code left} ({@link OutputCap}), its stream asked for usage ({@link StreamUsageOption}), {@code request}'s
     * {@code Content-Length} set to match; empty when it goes as it came (or is not one strict JSON object).
     */
    static Optional<CloseableAvailableByteBody> rewritten(String provider, String path, MutableHttpRequest<?> request,
            @Nullable AvailableByteBody body, @Nullable Long left) {
        boolean json = request.getContentType().map(t -> t.getSubtype().equals("json")
                || t.getSubtype().endsWith("+json")).orElse(false);
        boolean capping = left != null && json;
        if (body == null || !capping && !StreamUsageOption.applies(provider, path)) {
            return Optional.empty();
        }
        byte[] bytes;
        try (CloseableAvailableByteBody copy = body.split()) {
            bytes = copy.toByteArray();
        }
        if (!(StrictJson.parse(bytes).orElse(null) instanceof Map<?, ?> parsed)) {
            return Optional.empty();
        }
        Map<String, Object> edited = OutputBudget.copy(parsed);
        boolean changed = capping && OutputCap.cap(provider, path, edited, left);
        changed |= StreamUsageOption.applies(provider, path) && StreamUsageOption.ask(edited);
        if (!changed) {
            return Optional.empty();
        }
        byte[] rewritten = StrictJson.write(edited);
        request.getHeaders().set(HttpHeaders.CONTENT_LENGTH, Integer.toString(rewritten.length));
        return Optional.of(new AvailableNettyByteBody(Unpooled.wrappedBuffer(rewritten)));
    }
}

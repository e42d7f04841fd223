package dev.ephemera.relay.http;

import dev.ephemera.error.BrokerException;
import dev.ephemera.error.ErrorCode;
import dev.ephemera.relay.event.OutputBudget;
import dev.ephemera.json.StrictJson;
import dev.ephemera.session.LiveSessions;
import dev.ephemera.session.Usage;
import dev.ephemera.token.RedeemedToken;
import dev.ephemera.token.UsageLimits;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpHeaders;
import io.micronaut.http.MutableHttpRequest;
import io.micronaut.http.body.CloseableAvailableByteBody;
import io.micronaut.http.netty.body.AvailableNettyByteBody;
import io.netty.buffer.Unpooled;
import jakarta.inject.Singleton;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The HTTP relay's side of a token's limits and usage (SPEC §7, §11): a request of a limited token reserves what is
 * left of its budget in the store before it goes on ({@link Grant}; parallel requests on any replica find it
 * reserved), its output is capped at the reservation, and when its answer ends the usage it reported is counted on
 * the token, its key and the day, and the reservation given back. An answer that reported no usage is counted at its
 * cap: what cannot be measured is taken as spent.
 */
@Singleton
final class HttpBudget {

    private final LiveSessions sessions;

    HttpBudget(LiveSessions sessions) {
        this.sessions = sessions;
    }

    /**
     * One relayed request's share of its token's budget: {@code cap} output tokens (null: no limit of tokens), and
     * the settling of its usage, once, however the request ends.
     */
    final class Grant {
        private final RedeemedToken token;
        private final boolean reserved;
        @Nullable
        private final Long cap;
        private final AtomicBoolean settled = new AtomicBoolean();

        private Grant(RedeemedToken token, boolean reserved, @Nullable Long cap) {
            this.token = token;
            this.reserved = reserved;
            this.cap = cap;
        }

        @Nullable
        Long cap() {
            return cap;
        }

        /** The answer ended having reported {@code usage} (null: none). */
        void counted(@Nullable Usage usage) {
            if (!settled.compareAndSet(false, true)) {
                return;
            }
            long tokens = reservedTokens();
            Usage spent = usage != null ? usage : reserved ? Usage.ofResponse(0, tokens, tokens, 0, 0, 0) : null;
            if (reserved) {
                sessions.settle(token, tokens, spent);
            } else if (spent != null) {
                sessions.add(token, spent);
            }
        }

        /** The request failed or was refused before the provider produced anything: nothing is counted. */
        void refunded() {
            if (settled.compareAndSet(false, true) && reserved) {
                sessions.settle(token, reservedTokens(), Usage.NONE);
            }
        }

        private long reservedTokens() {
            return cap == null ? 0 : cap;
        }
    }

    /**
     * The share of the token's budget this request may use, reserved in the store for a token with limits (of
     * tokens or responses). Refused with {@code 429 quota_exceeded} when nothing is left once the requests
     * outstanding used their caps, or when the responses done and outstanding reach the limit.
     */
    CompletionStage<Grant> reserve(RedeemedToken token, long choices) {
        UsageLimits limits = token.limits();
        if (limits.maxTotalTokens() == null && limits.maxResponses() == null) {
            return CompletableFuture.completedFuture(new Grant(token, false, null));
        }
        return sessions.reserve(token.id(), limits.maxTotalTokens(), limits.maxResponses()).thenApply(cap -> {
            if (cap.isEmpty()) {
                throw new BrokerException(ErrorCode.QUOTA_EXCEEDED, "This token's usage limit is reached, or would "
                        + "be by the requests still outstanding; retry when they are done, or mint another.");
            }
            Grant grant = new Grant(token, true, limits.maxTotalTokens() == null ? null : cap.get());
            if (grant.cap() != null && grant.cap() / Math.max(1, choices) < 1) {
                grant.refunded();
                throw new BrokerException(ErrorCode.QUOTA_EXCEEDED, "What is left of this token's usage limit "
                        + "cannot cover one token for each choice asked for ('n').");
            }
            return grant;
        });
    }

    /**
     * The body to send instead of the client's: its output capped at {@code cap} ({@link OutputCap}), its stream
     * asked for usage ({@link StreamUsageOption}), {@code request}'s {@code Content-Length} set to match; empty when
     * it goes as it came.
     */
    static Optional<CloseableAvailableByteBody> rewritten(String provider, String path, MutableHttpRequest<?> request,
            RelayedBody body, @Nullable Long cap) {
        if (body.json() == null) {
            return Optional.empty();
        }
        Map<String, Object> edited = OutputBudget.copy(body.json());
        boolean changed = cap != null && OutputCap.cap(provider, path, edited, cap);
        changed |= StreamUsageOption.applies(provider, path) && StreamUsageOption.ask(edited);
        if (!changed) {
            return Optional.empty();
        }
        byte[] rewritten = StrictJson.write(edited);
        request.getHeaders().set(HttpHeaders.CONTENT_LENGTH, Integer.toString(rewritten.length));
        return Optional.of(new AvailableNettyByteBody(Unpooled.wrappedBuffer(rewritten)));
    }
}

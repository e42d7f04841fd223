package dev.ephemera.relay.webrtc;

import dev.ephemera.relay.event.OutputBudget;
import dev.ephemera.json.StrictJson;
import dev.ephemera.session.Usage;
import dev.ephemera.token.RedeemedToken;
import io.micronaut.core.annotation.Nullable;
import jakarta.inject.Singleton;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The session config a call is started with: the token's, with the limit on a response's output that its budget
 * leaves. A WebRTC client may still ask for more in a {@code response.create} of its own (the broker does not see it);
 * the call is then hung up at the limit, and a raised session limit is a changed lock ({@code CallLocks}).
 */
@Singleton
final class CallSessionConfigs {

    /**
     * The limit on a response's output that {@code token}'s budget of tokens leaves after {@code used}, within what
     * the provider takes; null without a budget.
     */
    @Nullable
    static Long outputLimit(RedeemedToken token, Usage used) {
        Long budget = token.limits().maxTotalTokens();
        return budget == null ? null
                : Math.min(OutputBudget.PROVIDER_MAXIMUM, Math.max(1, budget - used.totalTokens()));
    }

    /** The realtime call's session config as JSON, capped at {@code outputLimit}; null when there is none. */
    @Nullable
    byte[] realtime(RedeemedToken token, @Nullable Long outputLimit) {
        if (token.session() == null && outputLimit == null) {
            return null;
        }
        // The calls API is OpenAI's GA: a session config names its type.
        Map<String, Object> session = new LinkedHashMap<>(Map.of("type", "realtime"));
        session.putAll(tokenSession(token));
        if (outputLimit != null) {
            OutputBudget.lowered(session, "max_response_output_tokens", outputLimit, false);
            OutputBudget.lowered(session, "max_output_tokens", outputLimit, true);
        }
        return StrictJson.write(session);
    }

    /**
     * The {@code session.update} that puts the token's session config ({@code session}, as {@link #tokenSession}
     * read it) back on a WebRTC call whose client changed a locked field: the whole config, as the call was started
     * with it, in the GA shape ({@code session.type: "realtime"}); {@code null} when the token has none.
     */
    @Nullable
    static byte[] restore(Map<String, Object> session) {
        if (session.isEmpty()) {
            return null;
        }
        Map<String, Object> restored = new LinkedHashMap<>(Map.of("type", "realtime"));
        restored.putAll(session);
        return StrictJson.write(OutputBudget.event(restored));
    }

    /** The token's session config as {@link StrictJson} reads it, a copy the caller may change; empty when none. */
    Map<String, Object> tokenSession(RedeemedToken token) {
        return token.session() == null ? new LinkedHashMap<>() : token.session().copy();
    }
}

package dev.ephemera.relay.realtime;

import dev.ephemera.relay.Outcome;
import dev.ephemera.relay.SessionMeter;
import dev.ephemera.relay.event.ClientEventFilter;
import dev.ephemera.relay.event.OutputBudget;
import dev.ephemera.relay.event.RealtimeProtocol;
import dev.ephemera.json.StrictJson;
import dev.ephemera.token.RedeemedToken;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.json.JsonMapper;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * OpenAI's realtime protocol as a session speaks it ({@link Dialect}): the {@code session.update} of the token's
 * config that goes to the provider first, the judgement of every client message ({@link ClientEventFilter}, under
 * the token's locked fields), and the error event a refused message is answered with.
 */
final class SessionEvents implements Dialect {

    private final RedeemedToken token;
    private final JsonMapper json;
    private final ClientEventFilter filter;

    SessionEvents(RedeemedToken token, JsonMapper json) {
        this.token = token;
        this.json = json;
        Object session = token.session() == null ? null : token.session().fields();
        List<String> locked = token.lockedFields() == null ? List.of() : token.lockedFields();
        this.filter = new ClientEventFilter(RealtimeProtocol.OPENAI, session, locked);
    }

    /**
     * The provider's first message: the token's session config, with the session's output limit where what is left
     * of the token's budget ({@code budget}, null: no limit) is within what the provider takes
     * ({@link OutputBudget}); {@code null} when neither.
     */
    @Override
    public RealtimeProtocol protocol() {
        return RealtimeProtocol.OPENAI;
    }

    @Override
    @Nullable
    public byte[] opening(@Nullable Long budget) {
        boolean capped = budget != null && budget <= OutputBudget.PROVIDER_MAXIMUM;
        if (token.session() == null) {
            return capped ? OutputBudget.sessionLimit(budget) : null;
        }
        Map<String, Object> session = token.session().fields();
        if (capped) {
            session = token.session().copy();
            OutputBudget.lowered(session, "max_response_output_tokens", Math.max(1, budget), true);
        }
        return StrictJson.write(OutputBudget.event(session));
    }

    @Override
    public Outcome toProvider(byte[] message, SessionMeter meter) {
        ClientEventFilter.Verdict verdict = filter.judge(message);
        return verdict instanceof ClientEventFilter.Forward forward ? meter.toProvider(forward, message)
                : new Outcome.Refused((ClientEventFilter.Refuse) verdict);
    }

    /** The error event that tells the client a limit of its token's is reached (SPEC §11); the session ends. */
    @Override
    public byte[] limitReached(String message) {
        Map<String, Object> error = new LinkedHashMap<>();
        error.put("type", "invalid_request_error");
        error.put("code", "usage_limit_reached");
        error.put("message", message);
        try {
            return json.writeValueAsBytes(Map.of("type", "error", "error", error));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The error event of OpenAI's realtime protocol, naming at most a field, never a value the client sent. */
    @Override
    public byte[] error(ClientEventFilter.Refuse refused) {
        Map<String, Object> error = new LinkedHashMap<>();
        error.put("type", "invalid_request_error");
        error.put("code", refused.code());
        error.put("message", refused.message());
        if (refused.param() != null) {
            error.put("param", refused.param());
        }
        if (refused.eventId() != null) {
            error.put("event_id", refused.eventId());
        }
        try {
            return json.writeValueAsBytes(Map.of("type", "error", "error", error));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}

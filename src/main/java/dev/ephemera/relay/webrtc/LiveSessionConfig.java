package dev.ephemera.relay.webrtc;

import dev.ephemera.error.BrokerException;
import dev.ephemera.error.ErrorCode;
import dev.ephemera.relay.event.ClientEventFilter;
import dev.ephemera.relay.event.RealtimeProtocol;
import dev.ephemera.json.StrictJson;
import dev.ephemera.token.RedeemedToken;
import io.micronaut.core.annotation.Nullable;
import jakarta.inject.Singleton;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The session config a GPT-Live session is created with: the token's, with the page's own settings where the token's
 * locks allow them (judged as a {@code session.update} would be, {@link ClientEventFilter}), the model, and the
 * data-channel rules, which are never the page's: the token's ({@code client.data_channel}, from its profile's
 * {@code data-channel}) or, without any, {@link #DEFAULT_CLIENT_EVENTS}, so that an untrusted page cannot change the
 * session ({@code session.update}) or add to its instructions ({@code session.instructions.append}); with
 * instructions locked, not {@code response.create} either, which may carry instructions of its own.
 */
@Singleton
final class LiveSessionConfig {

    /** What a page's data channel may send when its token names no rules: no event that changes the session. */
    static final List<String> DEFAULT_CLIENT_EVENTS = List.of("session.input_audio.mute",
            "session.input_audio.unmute", "response.create");

    private static final java.util.regex.Pattern FIELD = java.util.regex.Pattern.compile("[a-z][a-z0-9_]{0,63}");

    private final CallSessionConfigs sessions;

    LiveSessionConfig(CallSessionConfigs sessions) {
        this.sessions = sessions;
    }

    /**
     * The config for {@code token}'s session with the page's {@code asked} settings and {@code model} (null: the
     * token's).
     *
     * @throws BrokerException {@code locked_field} naming the setting a lock refuses (the data-channel rules
     *                         included), or {@code invalid_request}
     */
    Map<String, Object> of(RedeemedToken token, Map<String, Object> asked, @Nullable String model) {
        for (String key : asked.keySet()) {
            // Every field of a Live session is a lower-case ASCII name: any other spelling is refused, never left to
            // a parser that might fold it into one (CLIENT, " client", a fullwidth or dotless letter).
            if (!FIELD.matcher(key).matches()) {
                throw BrokerException.invalid("session", "Session settings are named in lower-case ASCII "
                        + "(snake_case).");
            }
            if (key.equals("client")) {
                throw new BrokerException(ErrorCode.LOCKED_FIELD, "The data-channel rules ('client') are the "
                        + "broker's.", "session.client");
            }
        }
        Map<String, Object> session = sessions.tokenSession(token);
        Map<String, Object> settings = new LinkedHashMap<>(asked);
        settings.remove("model");
        if (!settings.isEmpty()) {
            ClientEventFilter filter = new ClientEventFilter(RealtimeProtocol.OPENAI, session,
                    token.lockedFields());
            if (filter.judge(StrictJson.write(Map.of("type", "session.update", "session", settings)))
                    instanceof ClientEventFilter.Refuse refused) {
                throw new BrokerException(refused.code().equals("locked_field") ? ErrorCode.LOCKED_FIELD
                        : ErrorCode.INVALID_REQUEST, refused.message(), refused.param());
            }
            session = merged(session, settings);
        }
        String effective = model != null ? model : token.model();
        if (effective != null) {
            session.put("model", effective);
        }
        if (!(session.get("client") instanceof Map<?, ?>)) {
            // A response.create may carry its own instructions: with instructions locked, the page gets none.
            List<String> allowed = token.lockedFields().contains("instructions")
                    ? DEFAULT_CLIENT_EVENTS.subList(0, 2) : DEFAULT_CLIENT_EVENTS;
            session.put("client", Map.of("data_channel", Map.of("allowed_client_events", allowed)));
        }
        return session;
    }

    /** {@code base} with {@code over} laid on it: objects merged key by key, anything else replaced. */
    static Map<String, Object> merged(Map<?, ?> base, Map<?, ?> over) {
        Map<String, Object> out = new LinkedHashMap<>();
        base.forEach((k, v) -> out.put((String) k, v));
        over.forEach((k, v) -> out.put((String) k, out.get(k) instanceof Map<?, ?> was && v instanceof Map<?, ?> now
                ? merged(was, now) : v));
        return out;
    }
}

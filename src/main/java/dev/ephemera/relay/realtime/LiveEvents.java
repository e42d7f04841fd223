package dev.ephemera.relay.realtime;

import dev.ephemera.json.StrictJson;
import dev.ephemera.relay.Outcome;
import dev.ephemera.relay.SessionMeter;
import dev.ephemera.relay.event.ClientEventFilter;
import dev.ephemera.relay.event.LiveProtocol;
import dev.ephemera.relay.event.OutputBudget;
import dev.ephemera.relay.event.RealtimeProtocol;
import dev.ephemera.token.RedeemedToken;
import io.micronaut.core.annotation.Nullable;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Google's Live API as a session speaks it ({@link Dialect}, {@link LiveProtocol}). The client sends the setup, as
 * Google's SDKs do; once judged under the token's locks, the setup the provider gets is the token's session config
 * with the client's unlocked fields laid over it (a field under either spelling replaces the other), the model the
 * token is bound to in the provider's own naming ({@code models/…}, or Vertex AI's full resource name), and, under a
 * limit, an output limit for every turn no higher than what is left ({@link dev.ephemera.relay.LiveTurns#cap}: the
 * setup's own {@code maxOutputTokens} within it, else a quarter of it). A refusal closes the session: the protocol
 * has no error message. Before the broker ends a session at its maximum duration (ten seconds ahead) or for
 * shutting down, the client gets a {@code goAway}, as Google's servers send.
 */
final class LiveEvents implements Dialect {

    /** Model names as the client may write them: short, {@code models/x}, or a Vertex AI resource name. */
    private static final Pattern QUALIFIED = Pattern.compile(
            "(?:(?:projects/[^/]+/locations/[^/]+/)?publishers/[^/]+/)?models/([^/]+)");

    /** A model's id, as Google names them: nothing that could step out of the resource name it is put in. */
    private static final Pattern MODEL_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");

    private final RealtimeProtocol.ClientJudge filter;
    @Nullable
    private final Map<String, Object> session;
    @Nullable
    private final String boundModel;
    private final UnaryOperator<String> providerModel;

    /**
     * @param boundModel    the model the session is bound to (the token's, or the one the handshake named); null:
     *                      the setup's own
     * @param providerModel a model's name as the provider wants it in the setup
     */
    LiveEvents(RedeemedToken token, @Nullable String boundModel, UnaryOperator<String> providerModel) {
        this.session = token.session() == null ? null : token.session().fields();
        this.filter = RealtimeProtocol.GEMINI_LIVE.judge(session,
                token.lockedFields() == null ? List.of() : token.lockedFields());
        this.boundModel = boundModel;
        this.providerModel = providerModel;
    }

    @Override
    public RealtimeProtocol protocol() {
        return RealtimeProtocol.GEMINI_LIVE;
    }

    @Override
    public byte[] opening(@Nullable Long budget) {
        return null;
    }

    @Override
    public Outcome toProvider(byte[] message, SessionMeter meter) {
        ClientEventFilter.Verdict verdict = filter.judge(message);
        if (!(verdict instanceof ClientEventFilter.Forward forward)) {
            return new Outcome.Refused((ClientEventFilter.Refuse) verdict);
        }
        if (!forward.type().equals(LiveProtocol.SETUP)) {
            return meter.toProvider(forward, message);
        }
        Map<?, ?> asked = (Map<?, ?>) forward.event().get(LiveProtocol.SETUP);
        String model = model(asked.get("model"));
        if (model == null) {
            return refused(boundModel == null ? "invalid_event" : "model_not_allowed", "The setup must name "
                    + (boundModel == null ? "a model" : "the model this token is for") + ".", "setup.model");
        }
        Map<String, Object> setup = merged(session == null ? Map.of() : session, asked);
        setup.put("model", providerModel.apply(model));
        Map<String, Object> out = Map.of(LiveProtocol.SETUP, setup);
        Outcome counted = meter.toProvider(new ClientEventFilter.Forward(out, LiveProtocol.SETUP, null),
                StrictJson.write(out));
        Long left = meter.turns().left();
        if (left == null || counted instanceof Outcome.Refused) {
            return counted;
        }
        // Under a limit, every turn is held to what is left now, once the setup (which every turn carries) is paid.
        if (left < 1) {
            return refused("usage_limit_reached", "Nothing is left of this token's budget.", null);
        }
        Map<String, Object> generation = object(setup, "generationConfig");
        Object limit = remove(generation, "maxOutputTokens");
        if (limit != null && !(limit instanceof BigDecimal n && n.scale() <= 0 && n.signum() > 0)) {
            return refused("invalid_event", "maxOutputTokens must be a whole number above 0.",
                    "setup." + LiveProtocol.MAX_OUTPUT);
        }
        // Asked for nothing, a turn may have a quarter of what is left: the session then lasts several turns.
        long cap = limit == null ? Math.max(1, Math.min(left / 4, OutputBudget.PROVIDER_MAXIMUM))
                : Math.min(Math.min(left, OutputBudget.PROVIDER_MAXIMUM),
                        ((BigDecimal) limit).min(BigDecimal.valueOf(Long.MAX_VALUE)).longValue());
        generation.put("maxOutputTokens", BigDecimal.valueOf(cap));
        meter.turns().cap(cap);
        return new Outcome.Send(StrictJson.write(out));
    }

    /** The short name of the model the setup asks for, where the session may have it; null otherwise. */
    @Nullable
    private String model(@Nullable Object asked) {
        String name = null;
        if (asked instanceof String text) {
            Matcher qualified = QUALIFIED.matcher(text);
            name = qualified.matches() ? qualified.group(1) : text;
        }
        if (boundModel == null) {
            return name == null || !MODEL_ID.matcher(name).matches() ? null : name;
        }
        return asked == null || boundModel.equals(name) ? boundModel : null;
    }

    /**
     * {@code over} laid over a copy of {@code base}: objects merged, anything else replaced, two spellings of a field
     * as one (the later replaces the earlier). Linear in the keys: a client's setup may have many.
     */
    private static Map<String, Object> merged(Map<?, ?> base, Map<?, ?> over) {
        Map<String, Object> out = new LinkedHashMap<>();
        Map<String, String> spelled = new HashMap<>();
        for (Map<?, ?> layer : List.of(base, over)) {
            layer.forEach((k, v) -> {
                String key = (String) k;
                String had = spelled.put(LiveProtocol.camel(key), key);
                Object old = had == null ? null : out.remove(had);
                out.put(key, v instanceof Map<?, ?> m ? merged(old instanceof Map<?, ?> o ? o : Map.of(), m) : v);
            });
        }
        return out;
    }

    /** Removes {@code name} under any spelling from {@code map}; answers its value. */
    @Nullable
    private static Object remove(Map<String, Object> map, String name) {
        String plain = LiveProtocol.camel(name);
        Object found = null;
        for (String key : List.copyOf(map.keySet())) {
            if (LiveProtocol.camel(key).equals(plain)) {
                found = map.remove(key);
            }
        }
        return found;
    }

    /** The object under {@code name} (either spelling) in {@code map}, made if absent, as a changeable copy. */
    @SuppressWarnings("unchecked")
    private static Map<String, Object> object(Map<String, Object> map, String name) {
        Object old = remove(map, name);
        Map<String, Object> out = old instanceof Map<?, ?> m ? merged(Map.of(), m) : new LinkedHashMap<>();
        map.put(name, out);
        return out;
    }

    private static Outcome refused(String code, String message, @Nullable String param) {
        return new Outcome.Refused(new ClientEventFilter.Refuse(code, message, param, null));
    }

    @Override
    public byte[] error(ClientEventFilter.Refuse refused) {
        return null;
    }

    @Override
    public byte[] limitReached(String message) {
        return null;
    }

    /** Google's notice that the server will close the connection. */
    @Override
    public byte[] goingAway(java.time.Duration timeLeft) {
        return ("{\"goAway\":{\"timeLeft\":\"" + timeLeft.toSeconds() + "s\"}}").getBytes(StandardCharsets.US_ASCII);
    }
}

package dev.ephemera.token;

import dev.ephemera.error.BrokerException;
import dev.ephemera.error.ErrorCode;
import io.micronaut.core.annotation.Nullable;
import java.util.List;

/**
 * What the place a token is presented at expects of it. A null provider or endpoints, or an
 * {@link Presented#UNCHECKED} model or origin, is not checked; a token with no value for a field (say, no origin)
 * is not bound by it.
 *
 * @param model     the model the request uses; {@link Presented#NOTHING} when it names none, which a model-bound
 *                  token does not match
 * @param origin    the request's origin; {@link Presented#NOTHING} when it has none, which an origin-bound token
 *                  does not match
 * @param endpoints the allowed endpoints the request is ({@code "POST /chat/completions"}); a token narrowed to
 *                  some endpoints matches when it lists one of them
 * @param measurable whether the broker can read and cap the request's usage; a token with limits (of tokens,
 *                  responses or money) does not match a request it cannot measure ({@code usage_not_measurable},
 *                  SPEC §7)
 */
public record Binding(@Nullable String provider, Presented model, Presented origin,
        @Nullable List<String> endpoints, boolean measurable) {

    public static final Binding NONE = new Binding(null, Presented.UNCHECKED, Presented.UNCHECKED, null, true);

    public Binding {
        model = model == null ? Presented.UNCHECKED : model;
        origin = origin == null ? Presented.UNCHECKED : origin;
    }

    /** A binding of these values, each null one not checked. */
    public Binding(@Nullable String provider, @Nullable String model, @Nullable String origin) {
        this(provider, Presented.of(model), Presented.of(origin), null, true);
    }

    public Binding(@Nullable String provider, @Nullable String model, @Nullable String origin,
            @Nullable List<String> endpoints) {
        this(provider, Presented.of(model), Presented.of(origin), endpoints, true);
    }

    /**
     * The model a request names, as a binding checks it (SPEC §7): absent (null) means the token's own; a model
     * that is empty or blank names none and is refused ({@code model_not_allowed}), never taken as "not checked".
     */
    @Nullable
    public static String requestedModel(@Nullable String model) {
        if (model != null && model.isBlank()) {
            throw new BrokerException(ErrorCode.MODEL_NOT_ALLOWED, "An empty model names no model; leave it out to "
                    + "use the token's.", "model");
        }
        return model;
    }
}

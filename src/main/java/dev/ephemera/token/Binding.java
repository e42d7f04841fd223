package dev.ephemera.token;

import io.micronaut.core.annotation.Nullable;

import java.util.List;

/**
 * What the place a token is presented at expects of it. A null field is not checked; a token with no value for a
 * field (say, no origin) is not bound by it.
 *
 * @param model     the model the request uses; {@link #NO_MODEL} when it names none, which a model-bound token
 *                  does not match
 * @param endpoints the allowed endpoints the request is ({@code "POST /chat/completions"}); a token narrowed to
 *                  some endpoints matches when it lists one of them
 */
public record Binding(@Nullable String provider, @Nullable String model, @Nullable String origin,
        @Nullable List<String> endpoints) {

    public static final Binding NONE = new Binding(null, null, null, null);
    /** The model of a request that names none: no model name has a space, so no bound model equals it. */
    public static final String NO_MODEL = " ";

    public Binding(@Nullable String provider, @Nullable String model, @Nullable String origin) {
        this(provider, model, origin, null);
    }
}

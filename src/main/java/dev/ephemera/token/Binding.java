package dev.ephemera.token;

import io.micronaut.core.annotation.Nullable;

/**
 * What the place a token is presented at expects of it. A null field is not checked; a token with no value for a
 * field (say, no origin) is not bound by it.
 */
public record Binding(@Nullable String provider, @Nullable String model, @Nullable String origin) {

    public static final Binding NONE = new Binding(null, null, null);
}

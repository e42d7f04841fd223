package dev.ephemera.token;

import io.micronaut.core.annotation.Nullable;

/**
 * What a request presents for one of a token's bindings (its model, its origin), as {@link Binding} checks it:
 * not checked at all, nothing (a request that names no model, a request without an {@code Origin}: a token bound
 * to one does not match it), or a value, which a bound token matches when it is the same.
 */
public sealed interface Presented permits Presented.Unchecked, Presented.Nothing, Presented.Value {

    Presented UNCHECKED = new Unchecked();
    Presented NOTHING = new Nothing();

    /** {@code value}, or {@link #UNCHECKED} when it is null. */
    static Presented of(@Nullable String value) {
        return value == null ? UNCHECKED : new Value(value);
    }

    /** Whether a token bound to {@code bound} (null: not bound) matches what is presented. */
    boolean admits(@Nullable String bound);

    /** The place does not check this binding. */
    record Unchecked() implements Presented {
        @Override
        public boolean admits(@Nullable String bound) {
            return true;
        }
    }

    /** The request presents none: only a token not bound by it matches. */
    record Nothing() implements Presented {
        @Override
        public boolean admits(@Nullable String bound) {
            return bound == null;
        }
    }

    /** The request presents {@code value}. */
    record Value(String value) implements Presented {
        public Value {
            java.util.Objects.requireNonNull(value, "value");
        }

        @Override
        public boolean admits(@Nullable String bound) {
            return bound == null || bound.equals(value);
        }
    }
}

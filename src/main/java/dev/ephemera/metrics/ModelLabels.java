package dev.ephemera.metrics;

import io.micronaut.core.annotation.Nullable;
import java.util.Set;

/**
 * The model names the usage metrics label as themselves: a set the operator bounds (the profiles' models), so that a
 * client naming models cannot grow the metrics; every other model counts as {@code "other"}. The feature that knows
 * the models implements it (profiles), as a lower layer's interface.
 */
public interface ModelLabels {

    Set<String> models();

    /** The label {@code model} is counted under. */
    default String of(@Nullable String model) {
        return model != null && models().contains(model) ? model : "other";
    }
}

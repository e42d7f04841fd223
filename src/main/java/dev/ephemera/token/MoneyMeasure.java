package dev.ephemera.token;

import io.micronaut.core.annotation.Nullable;

/**
 * Whether the broker can put a price on what a model uses (SPEC §11), asked by {@link TokenMinter} before it mints a
 * token under a limit of money: a priced model is measurable, and so is an unpriced one when the operator set
 * {@code ephemera.pricing.unpriced: free}; under {@code refuse} (the default) an unpriced one is not, and the mint is
 * refused ({@code usage_not_measurable}). The prices of {@code ephemera.pricing} answer it ({@code pricing.Pricing});
 * {@link PricedModels} asks them.
 */
@FunctionalInterface
public interface MoneyMeasure {

    /** Whether {@code model} of {@code provider} has a price (or may go unpriced); null: any model. */
    boolean measurable(String provider, @Nullable String model);
}

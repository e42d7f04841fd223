package dev.ephemera.token;

import dev.ephemera.pricing.Pricing;
import io.micronaut.context.annotation.Secondary;
import io.micronaut.core.annotation.Nullable;
import jakarta.inject.Singleton;

/**
 * The {@link MoneyMeasure} of the prices of {@code ephemera.pricing}: what {@link Pricing#measurable} answers; a token
 * bound to no model is measured request by request (the HTTP relay refuses an unpriced one then).
 */
@Singleton
@Secondary
final class PricedModels implements MoneyMeasure {

    private final Pricing pricing;

    PricedModels(Pricing pricing) {
        this.pricing = pricing;
    }

    @Override
    public boolean measurable(String provider, @Nullable String model) {
        return model == null || pricing.measurable(provider, model);
    }
}

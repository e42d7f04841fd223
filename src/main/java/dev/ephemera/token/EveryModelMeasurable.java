package dev.ephemera.token;

import io.micronaut.context.annotation.Secondary;
import io.micronaut.core.annotation.Nullable;
import jakarta.inject.Singleton;

/** The {@link MoneyMeasure} of a broker without prices: every model measurable, its usage costing nothing. */
@Singleton
@Secondary
final class EveryModelMeasurable implements MoneyMeasure {

    @Override
    public boolean measurable(String provider, @Nullable String model) {
        return true;
    }
}

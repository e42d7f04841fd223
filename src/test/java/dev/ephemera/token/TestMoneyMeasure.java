package dev.ephemera.token;

import io.micronaut.context.annotation.Requires;
import io.micronaut.context.annotation.Value;
import io.micronaut.core.annotation.Nullable;
import jakarta.inject.Singleton;

/** With {@code test.unpriced-model}, the broker has a price for every model but that one. */
@Singleton
@Requires(property = "test.unpriced-model")
final class TestMoneyMeasure implements MoneyMeasure {

    private final String unpriced;

    TestMoneyMeasure(@Value("${test.unpriced-model}") String unpriced) {
        this.unpriced = unpriced;
    }

    @Override
    public boolean measurable(String provider, @Nullable String model) {
        return !unpriced.equals(model);
    }
}

package dev.ephemera.pricing;

import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.core.bind.annotation.Bindable;

/**
 * Where prices come from ({@code ephemera.pricing.*}, SPEC §10, §11).
 *
 * @param file        our price file; absent: the table shipped with the broker ({@link Pricing#DEFAULT_TABLE})
 * @param litellmFile LiteLLM's {@code model_prices_and_context_window.json}, read as well; {@code file}'s rows win
 * @param unpriced    {@code refuse} (a money limit on a model with no price is refused) or {@code free} (such a
 *                    model costs nothing)
 */
@ConfigurationProperties("ephemera.pricing")
record PricingConfiguration(
        @Nullable String file,
        @Nullable String litellmFile,
        @Bindable(defaultValue = "refuse") String unpriced) {

    PricingConfiguration {
        if (file != null && file.isBlank()) {
            throw new IllegalArgumentException("ephemera.pricing.file is empty: leave it out for the shipped prices");
        }
        if (litellmFile != null && litellmFile.isBlank()) {
            throw new IllegalArgumentException("ephemera.pricing.litellm-file is empty: leave it out for none");
        }
        if (!"refuse".equals(unpriced) && !"free".equals(unpriced)) {
            throw new IllegalArgumentException("ephemera.pricing.unpriced must be refuse or free");
        }
    }

    boolean refusesUnpriced() {
        return "refuse".equals(unpriced);
    }
}

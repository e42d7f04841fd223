package dev.ephemera.pricing;

import io.micronaut.context.annotation.Context;
import io.micronaut.core.annotation.Nullable;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Optional;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * The prices the broker bills by (SPEC §11): our price file ({@code ephemera.pricing.file}, else the table shipped
 * with the broker, {@link #DEFAULT_TABLE}) over LiteLLM's ({@code ephemera.pricing.litellm-file}, if set), so that
 * a row of ours wins over LiteLLM's for the same model. Both files are read at start (a file that cannot be read
 * stops the start) and again when they change, looked at no more than once a second.
 */
@Context
public final class Pricing {

    /** The table used when no {@code ephemera.pricing.file} is set, on the class path. */
    public static final String DEFAULT_TABLE = "dev/ephemera/pricing/default-prices.yaml";

    /** The two tables last merged, and the merge, so that a merge is made once per change, not per look-up. */
    private record Merged(PriceTable ours, PriceTable theirs, PriceTable table) {
    }

    private final boolean refusesUnpriced;
    private final Supplier<PriceTable> ours;
    private final Supplier<PriceTable> theirs;
    private volatile Merged merged;

    @Inject
    Pricing(PricingConfiguration config) {
        this(config, System::nanoTime);
    }

    Pricing(PricingConfiguration config, LongSupplier nanoTime) {
        this.refusesUnpriced = config.refusesUnpriced();
        if (config.file() == null) {
            PriceTable shipped = PriceFile.read(shippedTable());
            this.ours = () -> shipped;
        } else {
            this.ours = PriceSource.load("ephemera.pricing.file", Path.of(config.file()),
                    content -> PriceFile.read(utf8(content)), PriceFile.MAX_CHARS * 4L, nanoTime)::current;
        }
        if (config.litellmFile() == null) {
            this.theirs = () -> PriceTable.EMPTY;
        } else {
            Path file = Path.of(config.litellmFile());
            this.theirs = PriceSource.load("ephemera.pricing.litellm-file", file,
                    content -> LiteLlmPrices.read(content, "LiteLLM " + file.getFileName()), LiteLlmPrices.MAX_BYTES,
                    nanoTime)::current;
        }
        table();
    }

    /** The price of {@code model} of {@code provider}, or empty when no row prices it. */
    public Optional<Price> price(String provider, @Nullable String model) {
        return table().find(provider, model);
    }

    /** {@code usage} with its cost at the price of {@code model} of {@code provider}; cost 0 when it has none. */
    public <B extends Billable<B>> B priced(String provider, @Nullable String model, B usage) {
        return usage.costing(price(provider, model).map(p -> p.cost(usage)).orElse(0L));
    }

    /** Whether money spent on {@code model} of {@code provider} can be measured: priced, or unpriced is free. */
    public boolean measurable(String provider, @Nullable String model) {
        return !refusesUnpriced || price(provider, model).isPresent();
    }

    /** Whether a money limit on a model without a price is refused ({@code ephemera.pricing.unpriced: refuse}). */
    public boolean refusesUnpriced() {
        return refusesUnpriced;
    }

    private PriceTable table() {
        PriceTable mine = ours.get();
        PriceTable lite = theirs.get();
        Merged last = merged;
        if (last == null || last.ours() != mine || last.theirs() != lite) {
            last = new Merged(mine, lite, mine.over(lite));
            merged = last;
        }
        return last.table();
    }

    private static String shippedTable() {
        try (InputStream in = Pricing.class.getClassLoader().getResourceAsStream(DEFAULT_TABLE)) {
            if (in == null) {
                throw new IllegalStateException("the shipped price table " + DEFAULT_TABLE + " is missing");
            }
            return utf8(in.readAllBytes());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@code content} as text, refused when it is not UTF-8 (never read with replacement characters). */
    private static String utf8(byte[] content) {
        try {
            return StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(content)).toString();
        } catch (CharacterCodingException e) {
            throw new IllegalArgumentException("not UTF-8 text");
        }
    }
}

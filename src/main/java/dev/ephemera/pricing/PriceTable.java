package dev.ephemera.pricing;

import io.micronaut.core.annotation.Nullable;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Prices by provider and model, as read from one or more price files: a model's row is found by its exact name
 * first, then by the longest prefix a row declares ({@code gpt-4.1*}), then by the table's default row, which prices
 * any model of any provider; a model none of these reaches has no price. Immutable.
 */
final class PriceTable {

    static final PriceTable EMPTY = new Builder().build();

    /** By provider: rows by exact model name, and prefixes (without the {@code *}) longest first. */
    private final Map<String, Map<String, Price>> exact;
    private final Map<String, List<Map.Entry<String, Price>>> prefixes;
    private final @Nullable Price fallback;
    private final int rows;

    private PriceTable(Map<String, Map<String, Price>> exact, Map<String, Map<String, Price>> prefixes,
            @Nullable Price fallback) {
        this.exact = new HashMap<>();
        exact.forEach((provider, models) -> this.exact.put(provider, Map.copyOf(models)));
        this.prefixes = new HashMap<>();
        prefixes.forEach((provider, models) -> {
            List<Map.Entry<String, Price>> longestFirst = new ArrayList<>(models.entrySet());
            longestFirst.sort(Comparator.comparingInt((Map.Entry<String, Price> e) -> e.getKey().length()).reversed());
            this.prefixes.put(provider, List.copyOf(longestFirst));
        });
        this.fallback = fallback;
        int count = fallback == null ? 0 : 1;
        for (Map<String, Price> models : exact.values()) {
            count += models.size();
        }
        for (Map<String, Price> models : prefixes.values()) {
            count += models.size();
        }
        this.rows = count;
    }

    static Builder builder() {
        return new Builder();
    }

    /** The price of {@code model} of {@code provider}: exact name, longest prefix, default row; else empty. */
    Optional<Price> find(String provider, @Nullable String model) {
        if (model != null) {
            Price named = exact.getOrDefault(provider, Map.of()).get(model);
            if (named != null) {
                return Optional.of(named);
            }
        }
        for (Map.Entry<String, Price> prefix : prefixes.getOrDefault(provider, List.of())) {
            // A model that is not named matches only the prefix that matches every model ("*").
            if (model == null ? prefix.getKey().isEmpty() : model.startsWith(prefix.getKey())) {
                return Optional.of(prefix.getValue());
            }
        }
        return Optional.ofNullable(fallback);
    }

    /** The rows of this table, its default row included. */
    int size() {
        return rows;
    }

    /**
     * This table over {@code under}: a row of this table replaces {@code under}'s row for the same provider and model
     * (or the same prefix), its default row replaces {@code under}'s, and {@code under}'s other rows stay.
     */
    PriceTable over(PriceTable under) {
        Builder merged = new Builder();
        for (PriceTable table : List.of(under, this)) {
            table.exact.forEach((provider, models) -> models.forEach((model, price) ->
                    merged.exact.computeIfAbsent(provider, p -> new LinkedHashMap<>()).put(model, price)));
            table.prefixes.forEach((provider, models) -> models.forEach(e ->
                    merged.prefixes.computeIfAbsent(provider, p -> new LinkedHashMap<>()).put(e.getKey(),
                            e.getValue())));
        }
        merged.fallback = fallback != null ? fallback : under.fallback;
        return merged.build();
    }

    /** Rows added one by one; a second row for the same provider and model is refused, for the reader to report. */
    static final class Builder {

        private final Map<String, Map<String, Price>> exact = new LinkedHashMap<>();
        private final Map<String, Map<String, Price>> prefixes = new LinkedHashMap<>();
        private @Nullable Price fallback;

        /**
         * Adds {@code price} for {@code model} of {@code provider}: an exact name, or a prefix ending in {@code *}
         * (only there). False, and nothing added, when the table has a row for them already.
         */
        boolean add(String provider, String model, Price price) {
            boolean prefix = model.endsWith("*");
            String name = prefix ? model.substring(0, model.length() - 1) : model;
            Map<String, Price> rows = (prefix ? prefixes : exact).computeIfAbsent(provider,
                    p -> new LinkedHashMap<>());
            return rows.putIfAbsent(name, price) == null;
        }

        /** Sets the default row; false, and nothing changed, when there is one already. */
        boolean fallback(Price price) {
            if (fallback != null) {
                return false;
            }
            fallback = price;
            return true;
        }

        PriceTable build() {
            return new PriceTable(exact, prefixes, fallback);
        }
    }
}

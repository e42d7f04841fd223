package dev.ephemera.pricing;

import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.DuplicateKeyException;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.representer.Representer;
import org.yaml.snakeyaml.resolver.Resolver;

/**
 * Reads our price file (SPEC §11, {@code ephemera.pricing.file}): a list of {@code models}, each a provider, a model
 * (an exact name, or a prefix ending in {@code *}), prices in dollars per million tokens by kind
 * ({@code usd_per_million}), an optional price per minute ({@code usd_per_minute}) and the row's {@code source};
 * an optional {@code default} row with the same prices for any model not listed, and an optional {@code date}.
 * Prices are plain decimals read as text, never through a floating point number: the YAML resolver here knows no
 * numbers at all, so {@code 4.00} reaches {@link Money#parse} as written. Anything else is refused with an
 * {@link IllegalArgumentException} that names the row and the field and never repeats what the file said.
 */
final class PriceFile {

    /** Kinds of {@code usd_per_million}, in {@link Price}'s order; the first and the fifth are required. */
    static final List<String> KINDS = List.of("input_text", "input_audio", "cached_input_text",
            "cached_input_audio", "output_text", "output_audio", "reasoning");
    /** The largest file read, in characters: a table of every model of every provider is far smaller. */
    static final int MAX_CHARS = 4 * 1024 * 1024;

    private static final Set<String> TOP = Set.of("date", "default", "models");
    private static final Set<String> ROW = Set.of("provider", "model", "usd_per_million", "usd_per_minute", "source");
    private static final Set<String> DEFAULT_ROW = Set.of("usd_per_million", "usd_per_minute", "source");
    private static final Pattern PROVIDER = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
    /** A model name as providers write them; a {@code *} only at the end, where it makes a prefix. */
    private static final Pattern MODEL = Pattern.compile("[\\x21-\\x29\\x2B-\\x7E]{1,200}\\*?|\\*");
    private static final Pattern FIELD = Pattern.compile("[a-z_]{1,40}");
    private static final int MAX_SOURCE = 300;

    private PriceFile() {
    }

    /**
     * The table {@code yaml} declares.
     *
     * @throws IllegalArgumentException naming the row and the field, for anything that is not a price file
     */
    static PriceTable read(String yaml) {
        if (yaml.length() > MAX_CHARS) {
            throw new IllegalArgumentException("larger than " + MAX_CHARS + " characters");
        }
        Map<?, ?> top = object(load(yaml), "the file");
        fieldsOf(top, TOP, "the file");
        if (top.containsKey("date")) {
            try {
                LocalDate.parse(text(top.get("date"), "date"));
            } catch (DateTimeParseException e) {
                throw new IllegalArgumentException("date: not a date (YYYY-MM-DD)");
            }
        }
        PriceTable.Builder table = PriceTable.builder();
        if (top.containsKey("default")) {
            Map<?, ?> row = object(top.get("default"), "default");
            fieldsOf(row, DEFAULT_ROW, "default");
            table.fallback(price(row, "default"));
        }
        Object models = top.get("models");
        if (models != null && !(models instanceof List<?>)) {
            throw new IllegalArgumentException("models: not a list");
        }
        List<?> rows = models == null ? List.of() : (List<?>) models;
        for (int i = 0; i < rows.size(); i++) {
            String where = "models[" + i + "]";
            Map<?, ?> row = object(rows.get(i), where);
            fieldsOf(row, ROW, where);
            String provider = text(row.get("provider"), where + ": provider");
            if (!PROVIDER.matcher(provider).matches()) {
                throw new IllegalArgumentException(where + ": provider is not a provider's name");
            }
            String model = text(row.get("model"), where + ": model");
            if (!MODEL.matcher(model).matches()) {
                throw new IllegalArgumentException(where + ": model is not a model's name, or a prefix ending in *");
            }
            where += " (" + provider + " " + model + ")";
            if (!table.add(provider, model, price(row, where))) {
                throw new IllegalArgumentException(where + ": a second row for the same provider and model");
            }
        }
        return table.build();
    }

    private static Object load(String yaml) {
        LoaderOptions options = new LoaderOptions();
        options.setAllowDuplicateKeys(false);
        options.setAllowRecursiveKeys(false);
        options.setMaxAliasesForCollections(10);
        options.setNestingDepthLimit(10);
        options.setCodePointLimit(MAX_CHARS);
        // No implicit types: every plain scalar is a string, so 4.00 is never a Double, 2026-01-01 never a Date.
        Resolver textOnly = new Resolver() {
            @Override
            protected void addImplicitResolvers() {
            }
        };
        DumperOptions unused = new DumperOptions();
        Yaml parser = new Yaml(new SafeConstructor(options), new Representer(unused), unused, options, textOnly);
        try {
            return parser.load(yaml);
        } catch (DuplicateKeyException e) {
            throw new IllegalArgumentException("a key appears twice in one mapping" + at(e));
        } catch (MarkedYAMLException e) {
            throw new IllegalArgumentException("not valid YAML" + at(e));
        } catch (YAMLException e) {
            throw new IllegalArgumentException("not valid YAML, or past the reader's limits");
        }
    }

    /** Where a YAML error is, never what is there (it may be long, or a secret pasted by mistake). */
    private static String at(MarkedYAMLException e) {
        return e.getProblemMark() == null ? "" : " (line " + (e.getProblemMark().getLine() + 1) + ")";
    }

    private static Price price(Map<?, ?> row, String where) {
        Price.Builder price = Price.builder(source(row.get("source"), where));
        Object perMinute = row.get("usd_per_minute");
        if (perMinute != null) {
            price.perMinute(amount(perMinute, where + ": usd_per_minute"));
        }
        Object perMillion = row.get("usd_per_million");
        if (perMillion == null) {
            if (perMinute == null) {
                throw new IllegalArgumentException(where + ": usd_per_million or usd_per_minute is required");
            }
            return price.build();
        }
        Map<?, ?> kinds = object(perMillion, where + ": usd_per_million");
        fieldsOf(kinds, Set.copyOf(KINDS), where + ": usd_per_million");
        Long[] rates = new Long[KINDS.size()];
        for (int k = 0; k < rates.length; k++) {
            Object value = kinds.get(KINDS.get(k));
            rates[k] = value == null ? null : amount(value, where + ": usd_per_million." + KINDS.get(k));
        }
        if (rates[0] == null || rates[4] == null) {
            throw new IllegalArgumentException(where + ": usd_per_million needs input_text and output_text");
        }
        return price.inputText(rates[0]).inputAudio(rates[1]).cachedInputText(rates[2]).cachedInputAudio(rates[3])
                .outputText(rates[4]).outputAudio(rates[5]).reasoning(rates[6]).build();
    }

    /** Dollars as micro-dollars ({@link Money#parse}: plain decimal, at most six fraction digits, no sign). */
    private static long amount(Object value, String where) {
        try {
            return Money.parse(text(value, where));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(where + ": " + e.getMessage());
        }
    }

    private static String source(Object value, String where) {
        if (value == null) {
            return "";
        }
        String source = text(value, where + ": source");
        if (source.length() > MAX_SOURCE || source.chars().anyMatch(Character::isISOControl)) {
            throw new IllegalArgumentException(where + ": source is longer than " + MAX_SOURCE
                    + " characters or holds control characters");
        }
        return source;
    }

    private static String text(Object value, String where) {
        if (!(value instanceof String text)) {
            throw new IllegalArgumentException(where + (value == null ? " is missing" : " is not a scalar"));
        }
        return text;
    }

    private static Map<?, ?> object(Object value, String where) {
        if (!(value instanceof Map<?, ?> map)) {
            throw new IllegalArgumentException(where + ": not a mapping");
        }
        return map;
    }

    private static void fieldsOf(Map<?, ?> map, Set<String> known, String where) {
        for (Object key : map.keySet()) {
            if (!(key instanceof String name) || !known.contains(name)) {
                String shown = key instanceof String name && FIELD.matcher(name).matches() ? " " + name : "";
                throw new IllegalArgumentException(where + ": an unknown field" + shown);
            }
        }
    }
}

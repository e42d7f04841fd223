package dev.ephemera.provider;

import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One endpoint of a provider that the HTTP relay may reach: a method and a path under the provider's base URL,
 * written {@code "POST /chat/completions"}. A path segment may hold placeholders: {@code {model}} takes the model
 * from the path (Gemini's {@code /v1beta/models/{model}:generateContent}, Azure's deployments), any other
 * {@code {name}} stands for one id. Placeholders match letters, digits and {@code . _ -} only.
 */
public record EndpointPattern(String method, String path, Pattern regex) {

    private static final Pattern TEXT = Pattern.compile("([A-Za-z]+) (/[A-Za-z0-9._~:@{}/-]*)");
    private static final Pattern PLACEHOLDER = Pattern.compile("\\{([a-z_]+)}");

    /**
     * Reads {@code "METHOD /path"}.
     *
     * @throws IllegalArgumentException when it is not one
     */
    public static EndpointPattern parse(String text) {
        Matcher m = TEXT.matcher(text.trim().replaceAll("\\s+", " "));
        if (!m.matches() || m.group(2).contains("//") || m.group(2).contains("/./")
                || m.group(2).contains("/../")) {
            throw new IllegalArgumentException("an endpoint is 'METHOD /path', such as 'POST /chat/completions'");
        }
        String method = m.group(1).toUpperCase(Locale.ROOT);
        String path = m.group(2);
        StringBuilder regex = new StringBuilder();
        Matcher p = PLACEHOLDER.matcher(path);
        int last = 0;
        while (p.find()) {
            regex.append(Pattern.quote(path.substring(last, p.start())));
            regex.append(p.group(1).equals("model") ? "(?<model>[A-Za-z0-9._-]+)" : "[A-Za-z0-9._-]+");
            last = p.end();
        }
        regex.append(Pattern.quote(path.substring(last)));
        if (path.substring(last).contains("{") || path.replaceAll("\\{[a-z_]+}", "").contains("}")) {
            throw new IllegalArgumentException("a placeholder is {name}, lower-case");
        }
        return new EndpointPattern(method, path, Pattern.compile(regex.toString()));
    }

    /** The canonical text, {@code "POST /chat/completions"}: what tokens and profiles name. */
    @Override
    public String toString() {
        return method + " " + path;
    }

    /**
     * Whether {@code method} and the decoded {@code path} are this endpoint; with the model the path names, if any.
     */
    public Optional<Match> match(String method, String path) {
        if (!this.method.equals(method)) {
            return Optional.empty();
        }
        Matcher m = regex.matcher(path);
        if (!m.matches()) {
            return Optional.empty();
        }
        return Optional.of(new Match(this, regex.pattern().contains("(?<model>") ? m.group("model") : null));
    }

    /** A request that matched {@code endpoint}; {@code pathModel} is the path's model, or null. */
    public record Match(EndpointPattern endpoint, String pathModel) {
    }
}

package dev.ephemera.k8s;

import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Set;

/**
 * The metric names a PromQL expression reads: what a renamed meter would leave without data. A small tokenizer, not
 * a parser: it skips strings, label matchers (<code>{…}</code>), ranges and subqueries (<code>[…]</code>), the label
 * lists of {@code by}, {@code without}, {@code on}, {@code ignoring}, {@code group_left} and {@code group_right},
 * numbers and durations, keywords and operators, aggregation operators, every name called as a function, and Grafana's
 * variables; every other name is a metric (or a recording rule's name, which the caller maps to its rule). A metric
 * selected only by {@code {__name__="…"}} is not seen.
 */
final class PromQl {

    /** Words that are never a metric: binary and set operators, modifiers, number literals. */
    private static final Set<String> KEYWORDS = Set.of("and", "or", "unless", "bool", "offset", "atan2", "inf",
            "nan");
    /** Aggregation operators, reserved words: their grouping may come between the word and its parentheses. */
    private static final Set<String> AGGREGATIONS = Set.of("sum", "min", "max", "avg", "group", "stddev", "stdvar",
            "count", "count_values", "bottomk", "topk", "quantile", "limitk", "limit_ratio");
    /** Words followed by a list of label names in parentheses. */
    private static final Set<String> LABEL_LISTS = Set.of("by", "without", "on", "ignoring", "group_left",
            "group_right");

    private PromQl() {
    }

    /** The metric names {@code expr} selects, in the order they first appear. */
    static Set<String> metricNames(String expr) {
        Set<String> names = new LinkedHashSet<>();
        int i = 0;
        int n = expr.length();
        while (i < n) {
            char c = expr.charAt(i);
            if (c == '"' || c == '\'' || c == '`') {
                i = afterString(expr, i);
            } else if (c == '{') {
                i = after(expr, i, '{', '}');
            } else if (c == '[') {
                i = after(expr, i, '[', ']');
            } else if (c == '$') {
                // A Grafana variable ($name, ${name}): no metric.
                i = i + 1 < n && expr.charAt(i + 1) == '{' ? after(expr, i + 1, '{', '}') : skipWord(expr, i + 1);
            } else if (c == '#') {
                i = expr.indexOf('\n', i) < 0 ? n : expr.indexOf('\n', i);
            } else if (Character.isDigit(c) || c == '.' && i + 1 < n && Character.isDigit(expr.charAt(i + 1))) {
                i = afterNumber(expr, i);
            } else if (Character.isLetter(c) || c == '_' || c == ':') {
                int start = i;
                i = skipWord(expr, i);
                String word = expr.substring(start, i);
                String keyword = word.toLowerCase(Locale.ROOT);
                int next = skipSpaces(expr, i);
                boolean called = next < n && expr.charAt(next) == '(';
                if (LABEL_LISTS.contains(keyword)) {
                    // group_left and group_right may stand without a list.
                    i = called ? after(expr, next, '(', ')') : i;
                } else if (keyword.equals("offset")) {
                    i = afterNumber(expr, skipSpaces(expr, i));
                } else if (!called && !KEYWORDS.contains(keyword) && !AGGREGATIONS.contains(keyword)) {
                    names.add(word);
                }
            } else {
                i++;
            }
        }
        return names;
    }

    private static int skipWord(String expr, int i) {
        while (i < expr.length() && (Character.isLetterOrDigit(expr.charAt(i)) || expr.charAt(i) == '_'
                || expr.charAt(i) == ':')) {
            i++;
        }
        return i;
    }

    private static int skipSpaces(String expr, int i) {
        while (i < expr.length() && Character.isWhitespace(expr.charAt(i))) {
            i++;
        }
        return i;
    }

    /** After the bracket that closes the one at {@code i}, strings inside skipped. */
    private static int after(String expr, int i, char open, char close) {
        int depth = 0;
        while (i < expr.length()) {
            char c = expr.charAt(i);
            if (c == '"' || c == '\'' || c == '`') {
                i = afterString(expr, i);
                continue;
            }
            if (c == open) {
                depth++;
            } else if (c == close && --depth == 0) {
                return i + 1;
            }
            i++;
        }
        throw new IllegalArgumentException("unbalanced " + open + " in: " + expr);
    }

    private static int afterString(String expr, int i) {
        char quote = expr.charAt(i);
        i++;
        while (i < expr.length() && expr.charAt(i) != quote) {
            i += expr.charAt(i) == '\\' && quote != '`' ? 2 : 1;
        }
        if (i >= expr.length()) {
            throw new IllegalArgumentException("unterminated string in: " + expr);
        }
        return i + 1;
    }

    /** After a number or a duration: digits, a point, an exponent, hex digits, unit letters (1.5e3, 0x1f, 1h30m). */
    private static int afterNumber(String expr, int i) {
        while (i < expr.length()) {
            char c = expr.charAt(i);
            boolean sign = (c == '+' || c == '-') && i > 0 && (expr.charAt(i - 1) == 'e' || expr.charAt(i - 1) == 'E');
            if (!(Character.isLetterOrDigit(c) || c == '.' || sign)) {
                break;
            }
            i++;
        }
        return i;
    }
}

package dev.ephemera.web;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * RFC 7239's {@code Forwarded} grammar, parsed whole: elements separated by commas, each of {@code name=value}
 * pairs separated by semicolons, a value a token or a quoted string, each name at most once in an element. A comma
 * or semicolon inside a quoted string is text, so nothing a client writes can shift the elements a proxy appends.
 */
final class ForwardedElements {

    /** RFC 7230's tchar, besides letters and digits. */
    private static final String TOKEN_SYMBOLS = "!#$%&'*+-.^_`|~";

    private final String text;
    private int at;

    private ForwardedElements(String text) {
        this.text = text;
    }

    /** Each element's {@code for} value, in order ({@code ""} for an element without one); empty if bad. */
    static Optional<List<String>> forNodes(String header) {
        return new ForwardedElements(header).elements();
    }

    private Optional<List<String>> elements() {
        List<String> nodes = new ArrayList<>();
        do {
            String node = "";
            Set<String> names = new HashSet<>();
            do {
                skipSpace();
                String name = token();
                if (name == null || !take('=')) {
                    return Optional.empty();
                }
                String value = peek() == '"' ? quoted() : token();
                if (value == null || !names.add(name.toLowerCase(Locale.ROOT))) {
                    return Optional.empty();
                }
                if (name.equalsIgnoreCase("for")) {
                    node = value;
                }
            } while (take(';'));
            nodes.add(node);
        } while (take(','));
        return at == text.length() ? Optional.of(nodes) : Optional.empty();
    }

    private String token() {
        int start = at;
        while (at < text.length() && isTokenChar(text.charAt(at))) {
            at++;
        }
        return at > start ? text.substring(start, at) : null;
    }

    private String quoted() {
        StringBuilder value = new StringBuilder();
        at++;
        while (at < text.length()) {
            char c = text.charAt(at++);
            if (c == '"') {
                return value.toString();
            }
            if (c == '\\') {
                if (at == text.length()) {
                    return null;
                }
                c = text.charAt(at++);
            }
            if (c < 0x20 && c != '\t' || c == 0x7f) {
                return null;
            }
            value.append(c);
        }
        return null;
    }

    private static boolean isTokenChar(char c) {
        return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || TOKEN_SYMBOLS.indexOf(c) >= 0;
    }

    private char peek() {
        return at < text.length() ? text.charAt(at) : 0;
    }

    private boolean take(char c) {
        skipSpace();
        if (peek() == c) {
            at++;
            return true;
        }
        return false;
    }

    private void skipSpace() {
        while (peek() == ' ' || peek() == '\t') {
            at++;
        }
    }
}

package dev.ephemera.url;

import dev.ephemera.error.BrokerException;
import io.micronaut.core.annotation.Nullable;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;

/** Web origins as browsers send them in the {@code Origin} header: scheme, host and port, lower case. */
public final class Origins {

    private Origins() {
    }

    /**
     * The canonical form of {@code value}, or a {@code 400 invalid_request} naming {@code param} when it is not
     * an http(s) origin (a path, query, fragment or user info makes it not one).
     */
    public static String parse(String value, String param) {
        String origin = canonical(value);
        if (origin == null) {
            throw BrokerException.invalid(param,
                    "'" + param + "' must hold origins such as https://app.example.com (scheme, host and port).");
        }
        return origin;
    }

    /** The canonical form of {@code value}, or null when it is not an http(s) origin. */
    @Nullable
    public static String canonical(@Nullable String value) {
        if (value == null) {
            return null;
        }
        try {
            URI uri = new URI(value);
            String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
            if (!(scheme.equals("https") || scheme.equals("http")) || uri.getHost() == null
                    || uri.getRawUserInfo() != null || uri.getRawQuery() != null || uri.getRawFragment() != null
                    || !(uri.getRawPath() == null || uri.getRawPath().isEmpty())) {
                return null;
            }
            return scheme + "://" + uri.getHost().toLowerCase(Locale.ROOT)
                    + (uri.getPort() == -1 ? "" : ":" + uri.getPort());
        } catch (URISyntaxException e) {
            return null;
        }
    }
}

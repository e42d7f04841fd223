package dev.ephemera.relay.http;

import dev.ephemera.error.BrokerException;
import io.micronaut.core.annotation.Nullable;
import java.net.URI;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Resolves a relayed path under a provider's base URL, and refuses anything that could leave it: dot segments
 * (plain, percent-encoded or with path parameters), encoded slashes or backslashes, empty segments, control
 * characters. The result is checked once more after normalisation: same scheme, host, port, and a path under the
 * base path.
 */
final class UpstreamPaths {

    private static final Pattern SEGMENT = Pattern.compile("[A-Za-z0-9._~!$&'()*+,;=:@%-]+");
    private static final Pattern PERCENT = Pattern.compile("%(?![0-9A-Fa-f]{2})");

    private UpstreamPaths() {
    }

    /**
     * The upstream URI for {@code rawPath} (the part after {@code /v1/proxy/<provider>/}, still percent-encoded)
     * and {@code rawQuery}.
     *
     * @throws BrokerException {@code invalid_request} for a path that is not a plain relative path
     */
    static URI resolve(URI base, String rawPath, @Nullable String rawQuery) {
        if (rawPath.isEmpty()) {
            throw refused();
        }
        for (String segment : rawPath.split("/", -1)) {
            String lower = segment.toLowerCase(Locale.ROOT);
            // "..;x" is ".." to servers that strip path parameters.
            String beforeParameters = segment.split(";", 2)[0];
            if (segment.isEmpty() || beforeParameters.equals(".") || beforeParameters.equals("..")
                    || !SEGMENT.matcher(segment).matches()
                    || PERCENT.matcher(segment).find() || lower.contains("%2e") || lower.contains("%2f")
                    || lower.contains("%5c") || lower.contains("%00") || lower.contains("%25")) {
                throw refused();
            }
        }
        if (rawQuery != null && (rawQuery.chars().anyMatch(c -> c < 0x21 || c == 0x7f) || rawQuery.contains("#"))) {
            throw refused();
        }
        String basePath = base.getRawPath() == null ? "" : base.getRawPath();
        URI target = URI.create(base.getScheme() + "://" + base.getRawAuthority() + basePath + "/" + rawPath
                + (rawQuery == null || rawQuery.isEmpty() ? "" : "?" + rawQuery)).normalize();
        if (!base.getScheme().equals(target.getScheme()) || !base.getRawAuthority().equals(target.getRawAuthority())
                || !target.getRawPath().startsWith(basePath + "/")) {
            throw refused();
        }
        return target;
    }

    private static BrokerException refused() {
        return BrokerException.invalid("path", "The relayed path must be a plain path under the provider's API, "
                + "such as chat/completions.");
    }
}

package dev.ephemera.relay.realtime;

import java.net.URI;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The paths of the Live API relay: Google's own ({@code /ws/google.ai.generativelanguage.<version>.GenerativeService
 * .BidiGenerateContent}, with doubled slashes as {@code @google/genai} writes them after a base URL), and the
 * version a client names, which the provider's URL then names too.
 */
final class LivePaths {

    /** Every spelling of the path the router sends to {@link LiveRelay} that the relay serves. */
    static final Pattern PATH = Pattern.compile(
            "/+ws/+google\\.ai\\.generativelanguage\\.(v1beta|v1alpha)\\.GenerativeService\\.BidiGenerateContent/*");

    private LivePaths() {
    }

    /** Whether {@code path} is one the Live relay serves. */
    static boolean serves(String path) {
        return PATH.matcher(path).matches();
    }

    /** The provider's Live URL, naming the version of the API that the client's {@code path} names. */
    static URI upstream(URI live, String path) {
        Matcher asked = PATH.matcher(path);
        if (!asked.matches()) {
            return live;
        }
        return URI.create(live.toString().replaceFirst("\\.v1(beta|alpha)\\.", "." + asked.group(1) + "."));
    }
}

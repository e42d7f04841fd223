package dev.ephemera.relay.realtime;

import java.net.URI;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The paths of the Live API relay: Google's own ({@code /ws/google.ai.generativelanguage.<version>.GenerativeService
 * .BidiGenerateContent}) under the provider's HTTP relay ({@code /v1/proxy/<provider>}), so that one base URL serves
 * {@code @google/genai}'s requests and its Live sessions alike; the provider it names, and the version, which the
 * provider's URL then names too.
 */
final class LivePaths {

    /** Every spelling of the path the router sends to {@link LiveRelay} that the relay serves. */
    static final Pattern PATH = Pattern.compile("/v1/proxy/([^/]+)/ws/google\\.ai\\.generativelanguage\\."
            + "(v1beta|v1alpha)\\.GenerativeService\\.BidiGenerateContent/?");

    private LivePaths() {
    }

    /** Whether {@code path} is one the Live relay serves. */
    static boolean serves(String path) {
        return PATH.matcher(path).matches();
    }

    /** The provider a path the relay serves names. */
    static String provider(String path) {
        Matcher asked = PATH.matcher(path);
        return asked.matches() ? asked.group(1) : null;
    }

    /** The provider's Live URL, naming the version of the API that the client's {@code path} names. */
    static URI upstream(URI live, String path) {
        Matcher asked = PATH.matcher(path);
        if (!asked.matches()) {
            return live;
        }
        return URI.create(live.toString().replaceFirst("\\.v1(beta|alpha)\\.", "." + asked.group(2) + "."));
    }
}

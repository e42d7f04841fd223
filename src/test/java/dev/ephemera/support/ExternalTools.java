package dev.ephemera.support;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Assumptions;

/**
 * The programs some tests need that Maven cannot bring (Chromium, ChromeDriver, Node.js, a container engine). Where
 * one is missing, the test fails when {@code CI=true} and is skipped elsewhere, with a reason that
 * {@link MissingToolsSummary} lists at the end of the build together with what to install: never a silent skip.
 */
public final class ExternalTools {

    /** The start of every skip reason this class gives; {@link MissingToolsSummary} collects those. */
    static final String MISSING = "[missing tool] ";

    private ExternalTools() {
    }

    /**
     * The tool: the file named by system property {@code property}, else the first of {@code names} on the
     * {@code PATH}.
     *
     * @param install what to install, e.g. "apt-get install chromium chromium-driver"
     */
    public static Path require(String property, String install, String... names) {
        String named = System.getProperty(property);
        if (named != null && !named.isBlank()) {
            Path path = Path.of(named);
            if (!Files.isExecutable(path)) {
                throw new IllegalStateException("-D" + property + "=" + named + " is not an executable file");
            }
            return path;
        }
        for (String name : names) {
            String found = TestRedis.findOnPath(name);
            if (found != null) {
                return Path.of(found);
            }
        }
        throw missing(String.join(" or ", List.of(names)) + " (or -D" + property + "=/path)", install);
    }

    /**
     * Ends the calling test for want of {@code what}: a failure when {@code CI=true}, else a skip that
     * {@link MissingToolsSummary} lists with {@code install}. Thrown, so that callers read {@code throw missing(…)}.
     */
    public static RuntimeException missing(String what, String install) {
        if ("true".equals(System.getenv("CI"))) {
            throw new IllegalStateException("CI=true but " + what + " is missing: " + install
                    + " (.ci/run installs it)");
        }
        Assumptions.abort(MISSING + what + " not found; install: " + install);
        throw new AssertionError("unreachable");
    }
}

package dev.ephemera;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ephemera.support.Processes;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The build on a JDK older than 25 (most Linux machines' default java is 17) stops in {@code validate}, before
 * anything is compiled, saying which JDK to install and how to point {@code JAVA_HOME} at it, instead of javac's
 * "release version 25 not supported". Needs an older JDK or JRE: {@code -Dephemera.test.old-jdk=/path}, else the
 * first under {@code /usr/lib/jvm}; without one it fails when {@code CI=true} (.ci/run installs one) and is skipped
 * elsewhere.
 */
class JdkCheckTest {

    private static final Pattern VERSION = Pattern.compile("version \"(\\d+)");

    @Test
    void aJdkOlderThan25StopsTheBuildSayingWhatToDo() throws Exception {
        Path old = olderJdk();
        ProcessBuilder builder = Processes.builder("./mvnw", "-B", "-q", "-o", "validate").redirectErrorStream(true);
        builder.environment().put("JAVA_HOME", old.toString());
        Process run = builder.start();
        String output = new String(run.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(run.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(run.exitValue()).as(output).isNotZero();
        assertThat(output).contains("Ephemera needs JDK 25 or newer").contains("JAVA_HOME")
                .doesNotContain("release version 25 not supported");
    }

    private static Path olderJdk() throws IOException, InterruptedException {
        String named = System.getProperty("ephemera.test.old-jdk");
        if (named != null && !named.isBlank()) {
            return Path.of(named);
        }
        List<Path> candidates;
        try (Stream<Path> jvms = Files.list(Path.of("/usr/lib/jvm"))) {
            candidates = jvms.filter(p -> Files.isExecutable(p.resolve("bin/java"))).sorted().toList();
        } catch (IOException e) {
            candidates = List.of();
        }
        for (Path candidate : candidates) {
            Process version = Processes.builder(candidate.resolve("bin/java").toString(), "-version")
                    .redirectErrorStream(true).start();
            Matcher m = VERSION.matcher(new String(version.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
            version.waitFor(10, TimeUnit.SECONDS);
            if (m.find() && Integer.parseInt(m.group(1)) < 25) {
                return candidate;
            }
        }
        String missing = "a JDK or JRE older than 25 under /usr/lib/jvm (or -Dephemera.test.old-jdk=/path); install: "
                + "apt-get install openjdk-17-jre-headless";
        if ("true".equals(System.getenv("CI"))) {
            throw new IllegalStateException("CI=true but " + missing + " (.ci/run installs it)");
        }
        Assumptions.abort("[missing tool] " + missing);
        throw new AssertionError("unreachable");
    }
}

package dev.ephemera.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;
import org.junit.platform.launcher.TestPlan;
import org.slf4j.LoggerFactory;

/**
 * Writes, at the end of the test run, every test that was skipped for a missing program and what to install to
 * {@code target/tests-not-run.txt} ({@code target/its-not-run.txt} after failsafe's), which the build prints after
 * the tests (maven-antrun in the pom), so that a green
 * build on a developer's machine says what it did not run. Registered in
 * {@code META-INF/services/org.junit.platform.launcher.TestExecutionListener}.
 */
public final class MissingToolsSummary implements TestExecutionListener {

    private final List<String> skipped = new CopyOnWriteArrayList<>();

    /** Surefire's report; failsafe's tests name theirs with {@code -Dephemera.test.not-run-report} (the pom). */
    private static final Path REPORT = Path.of(System.getProperty("ephemera.test.not-run-report",
            "target/tests-not-run.txt"));

    @Override
    public void testPlanExecutionStarted(TestPlan plan) {
        try {
            Files.deleteIfExists(REPORT);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void executionSkipped(TestIdentifier test, String reason) {
        if (reason != null && reason.startsWith(ExternalTools.MISSING)) {
            skipped.add(test.getDisplayName() + ": " + reason.substring(ExternalTools.MISSING.length()));
        }
    }

    @Override
    public void executionFinished(TestIdentifier test, TestExecutionResult result) {
        result.getThrowable().filter(t -> t.getMessage() != null && t.getMessage().startsWith(
                ExternalTools.MISSING)).ifPresent(t -> skipped.add(test.getDisplayName() + ": "
                        + t.getMessage().substring(ExternalTools.MISSING.length())));
    }

    @Override
    public void testPlanExecutionFinished(TestPlan plan) {
        if (skipped.isEmpty()) {
            return;
        }
        StringBuilder out = new StringBuilder("Tests NOT run because a program is missing (CI=true makes these "
                + "failures):");
        skipped.stream().distinct().forEach(s -> out.append("\n  ").append(s));
        LoggerFactory.getLogger(MissingToolsSummary.class).warn(out.toString());
        try {
            Files.createDirectories(REPORT.getParent());
            Files.writeString(REPORT, out.toString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

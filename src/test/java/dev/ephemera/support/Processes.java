package dev.ephemera.support;

import java.io.File;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * Starts the programs the tests need. Every process a test starts is built here ({@link #builder}), so that none
 * sees the developer's broker settings ({@link TestEnvironment}); ProcessesOnlyHereTest keeps it so.
 */
public final class Processes {

    private Processes() {
    }

    /** What a program printed and how it ended. */
    public record Result(int exitCode, String out, String err) {
    }

    /** A process builder whose environment is this JVM's without the hidden variables ({@link TestEnvironment}). */
    public static ProcessBuilder builder(List<String> command) {
        ProcessBuilder builder = new ProcessBuilder(command);
        TestEnvironment.scrub(builder.environment());
        return builder;
    }

    /** {@link #builder(List)} of these words. */
    public static ProcessBuilder builder(String... command) {
        return builder(List.of(command));
    }

    /**
     * The class path of a broker started as a process of its own: this JVM's without the tests' classes, so no test
     * bean and no test set-up in it ({@link HiddenEnvironmentConfigurer} would hide the very variables that its test
     * configures it with).
     */
    public static String brokerClasspath() {
        Path tests;
        try {
            tests = Path.of(Processes.class.getProtectionDomain().getCodeSource().getLocation().toURI())
                    .toAbsolutePath().normalize();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
        return Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
                .filter(entry -> !Path.of(entry).toAbsolutePath().normalize().equals(tests))
                .collect(Collectors.joining(File.pathSeparator));
    }

    /** Runs {@code command}; fails when it takes longer than {@code limit}. */
    public static Result run(List<String> command, Duration limit) {
        try {
            Path err = Files.createTempFile("process", ".err");
            try {
                Process process = builder(command).redirectError(err.toFile()).start();
                String out = new String(process.getInputStream().readAllBytes());
                if (!process.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS)) {
                    process.destroyForcibly();
                    throw new IllegalStateException("timed out after " + limit + ": " + command);
                }
                return new Result(process.exitValue(), out, Files.readString(err));
            } finally {
                Files.deleteIfExists(err);
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}

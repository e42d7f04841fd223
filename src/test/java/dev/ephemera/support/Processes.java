package dev.ephemera.support;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs a program the tests need to its end, within a bound. */
public final class Processes {

    private Processes() {
    }

    /** What a program printed and how it ended. */
    public record Result(int exitCode, String out, String err) {
    }

    /** Runs {@code command}; fails when it takes longer than {@code limit}. */
    public static Result run(List<String> command, Duration limit) {
        try {
            Path err = Files.createTempFile("process", ".err");
            try {
                Process process = new ProcessBuilder(command).redirectError(err.toFile()).start();
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

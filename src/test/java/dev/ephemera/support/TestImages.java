package dev.ephemera.support;

import com.github.dockerjava.api.exception.NotFoundException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * The two images the container tests run, built on this machine by the project's scripts (no registry is needed):
 * the tests' Redis ({@code container/redis/build.sh}, from this machine's redis-server) when the engine lacks it, and
 * the broker's ({@code container/build.sh}, from the packaged jar) when the engine's was built from anything else:
 * the image carries a digest of what it was built from as the label {@link #DIGEST_LABEL}. Each build's output goes
 * to {@code target/<name>-image-build.log}.
 */
public final class TestImages {

    /** The tests' Redis: Redis 7 as the distribution ships it, FROM scratch. */
    public static final String REDIS = "localhost/ephemera-test-redis:7";

    /** The label of the broker's image that says what it was built from (container/build.sh sets it). */
    public static final String DIGEST_LABEL = "dev.ephemera.build-digest";

    private static final Duration BUILD_LIMIT = Duration.ofMinutes(5);

    private TestImages() {
    }

    /** {@link #REDIS}, built first if the engine lacks it; an IllegalStateException says why it could not be. */
    public static synchronized String redis() {
        if (labels(REDIS).isEmpty()) {
            build("redis", Path.of("container", "redis", "build.sh"), Map.of("IMAGE", REDIS));
        }
        return REDIS;
    }

    /** The broker's image {@code localhost/ephemera:<version>} of the jar in target/, built first unless it is. */
    public static synchronized String broker() {
        Path jar = jar();
        String image = "localhost/ephemera:" + jar.getFileName().toString().replaceAll("^ephemera-|(-SNAPSHOT)?\\.jar$",
                "");
        String digest = digest(jar);
        if (!labels(image).map(labels -> digest.equals(labels.get(DIGEST_LABEL))).orElse(false)) {
            build("broker", Path.of("container", "build.sh"), Map.of("IMAGE", image, "JAVA_HOME",
                    System.getProperty("java.home")));
            String built = labels(image).orElseThrow().get(DIGEST_LABEL);
            if (!digest.equals(built)) {
                throw new IllegalStateException("container/build.sh labelled " + image + " " + built + ", this class "
                        + "computes " + digest + ": the two ways of computing it differ");
            }
        }
        return image;
    }

    /** The packaged jar (failsafe runs after {@code package}). */
    public static Path jar() {
        try (Stream<Path> files = Files.list(Path.of("target"))) {
            return files.filter(p -> p.getFileName().toString().matches("ephemera-.*\\.jar"))
                    .filter(p -> !p.getFileName().toString().contains("original")).findFirst()
                    .orElseThrow(() -> new AssertionError("no jar under target/: run ./mvnw verify"));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The image's labels (empty when it has none), or empty when the engine does not have it. */
    private static Optional<Map<String, String>> labels(String image) {
        try {
            Map<String, String> labels = ContainerEngine.client().inspectImageCmd(image).exec().getConfig()
                    .getLabels();
            return Optional.of(labels == null ? Map.of() : labels);
        } catch (NotFoundException e) {
            return Optional.empty();
        }
    }

    private static void build(String name, Path script, Map<String, String> env) {
        Path log = Path.of("target", name + "-image-build.log");
        ProcessBuilder builder = Processes.builder(script.toString());
        builder.environment().putAll(env);
        builder.environment().put("ENGINE", ContainerEngine.isPodman() ? "podman" : "docker");
        builder.redirectErrorStream(true).redirectOutput(log.toFile());
        try {
            Process process = builder.start();
            if (!process.waitFor(BUILD_LIMIT.toSeconds(), TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IllegalStateException(script + " took over " + BUILD_LIMIT + "; its output: " + log);
            }
            if (process.exitValue() != 0) {
                throw new IllegalStateException(script + " failed (exit " + process.exitValue() + "):\n"
                        + Files.readString(log));
            }
        } catch (IOException e) {
            throw new IllegalStateException("Could not run " + script + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /**
     * What container/build.sh computes: the SHA-256 of the jar's entries (name, CRC, size, sorted by name: the shaded
     * jar's order and times change from one package to the next), then of the script and the Containerfile.
     */
    private static String digest(Path jar) {
        try (ZipFile zip = new ZipFile(jar.toFile())) {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            zip.stream().sorted(Comparator.comparing(ZipEntry::getName)).forEach(entry -> digest.update(
                    (entry.getName() + "\0" + entry.getCrc() + "\0" + entry.getSize() + "\n")
                            .getBytes(StandardCharsets.UTF_8)));
            for (String file : List.of("build.sh", "Containerfile")) {
                digest.update(Files.readAllBytes(Path.of("container", file)));
            }
            return HexFormat.of().formatHex(digest.digest());
        } catch (IOException | NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}

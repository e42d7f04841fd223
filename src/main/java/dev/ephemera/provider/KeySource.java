package dev.ephemera.provider;

import io.micronaut.core.annotation.Nullable;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where one provider key comes from: a fixed value (configuration or environment), or a file that is re-read
 * when it changes, so that a Kubernetes Secret rotated in place takes effect without a restart. The file's
 * modification time is looked at no more than once a second.
 */
final class KeySource {

    private static final Logger LOG = LoggerFactory.getLogger(KeySource.class);
    private static final long CHECK_EVERY_NANOS = 1_000_000_000L;

    private final String fixed;
    private final Path file;
    private final String description;
    private volatile String fromFile;
    private volatile FileTime fileTime;
    private volatile long checkedAt;

    private KeySource(@Nullable String fixed, @Nullable Path file, String description) {
        this.fixed = fixed == null || fixed.isBlank() ? null : fixed.trim();
        this.file = file;
        this.description = description;
    }

    static KeySource of(@Nullable String value, String description) {
        return new KeySource(value, null, description);
    }

    static KeySource file(String path) {
        return new KeySource(null, Path.of(path), "file " + path);
    }

    static KeySource none() {
        return new KeySource(null, null, "none");
    }

    /** Where the key comes from, for operators: never the key. */
    String description() {
        return description;
    }

    /** The key now, or empty when there is none (an absent or empty file counts as none). */
    Optional<String> current() {
        if (fixed != null) {
            return Optional.of(fixed);
        }
        if (file == null) {
            return Optional.empty();
        }
        long now = System.nanoTime();
        if (checkedAt == 0 || now - checkedAt > CHECK_EVERY_NANOS) {
            reload();
            checkedAt = now;
        }
        return Optional.ofNullable(fromFile);
    }

    private synchronized void reload() {
        try {
            FileTime modified = Files.getLastModifiedTime(file);
            if (modified.equals(fileTime) && fromFile != null) {
                return;
            }
            String text = Files.readString(file, StandardCharsets.UTF_8).trim();
            if (fileTime != null && !text.equals(fromFile)) {
                LOG.info("Provider key reloaded from {}", file);
            }
            fromFile = text.isEmpty() ? null : text;
            fileTime = modified;
        } catch (IOException e) {
            if (fromFile != null) {
                LOG.warn("Provider key file {} is no longer readable; falling back to the secondary key", file);
            }
            fromFile = null;
            fileTime = null;
        }
    }
}

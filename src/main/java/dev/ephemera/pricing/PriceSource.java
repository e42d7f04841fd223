package dev.ephemera.pricing;

import dev.ephemera.logging.RepeatedLog;
import io.micronaut.core.annotation.Nullable;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One price file and the table last read from it, read again when the file changes (its modification time or size),
 * looked at no more than once a second, as {@code provider.KeySource} does for keys: a ConfigMap updated in place
 * takes effect without a restart. A file that cannot be read at start stops the start; one that breaks later keeps
 * the table read last, with one WARN per broken version (tried again only once it changes).
 */
final class PriceSource {

    /** Turns a file's bytes into a table, or refuses them with an {@link IllegalArgumentException}. */
    interface Reader {
        PriceTable read(byte[] content);
    }

    static final long CHECK_EVERY_NANOS = 1_000_000_000L;

    private static final Logger LOG = LoggerFactory.getLogger(PriceSource.class);
    private static final RepeatedLog REPEATED = new RepeatedLog(LOG);

    private final String property;
    private final Path file;
    private final Reader reader;
    private final long maxBytes;
    private final LongSupplier nanoTime;
    private volatile PriceTable table;
    private volatile @Nullable FileTime modified;
    private volatile long size;
    private volatile long checkedAt;

    private PriceSource(String property, Path file, Reader reader, long maxBytes, LongSupplier nanoTime) {
        this.property = property;
        this.file = file;
        this.reader = reader;
        this.maxBytes = maxBytes;
        this.nanoTime = nanoTime;
    }

    /**
     * The prices in {@code file} (set as {@code property}), read now.
     *
     * @throws IllegalStateException naming the property, the file and what is wrong, when it cannot be read
     */
    static PriceSource load(String property, Path file, Reader reader, long maxBytes, LongSupplier nanoTime) {
        PriceSource source = new PriceSource(property, file, reader, maxBytes, nanoTime);
        try {
            BasicFileAttributes attributes = Files.readAttributes(file, BasicFileAttributes.class);
            source.table = source.read(attributes);
            source.modified = attributes.lastModifiedTime();
            source.size = attributes.size();
        } catch (IOException | IllegalArgumentException e) {
            throw new IllegalStateException(property + " " + file + ": " + problem(e), e);
        }
        source.checkedAt = nanoTime.getAsLong();
        LOG.info("Prices: {} rows from {} ({})", source.table.size(), file, property);
        return source;
    }

    /** The table now: the file's, read again first if it changed since it was last looked at. */
    PriceTable current() {
        long now = nanoTime.getAsLong();
        if (now - checkedAt >= CHECK_EVERY_NANOS) {
            checkedAt = now;
            reload();
        }
        return table;
    }

    private synchronized void reload() {
        BasicFileAttributes attributes;
        try {
            attributes = Files.readAttributes(file, BasicFileAttributes.class);
        } catch (IOException e) {
            if (modified != null) {
                REPEATED.warn("Prices file {} ({}) is no longer readable ({}); the prices read last stay in force",
                        file, property, problem(e));
            }
            modified = null;
            return;
        }
        if (attributes.lastModifiedTime().equals(modified) && attributes.size() == size) {
            return;
        }
        modified = attributes.lastModifiedTime();
        size = attributes.size();
        try {
            table = read(attributes);
            LOG.info("Prices reloaded: {} rows from {} ({})", table.size(), file, property);
        } catch (IOException | IllegalArgumentException e) {
            REPEATED.warn("Prices file {} ({}) was not reloaded: {}; the prices read last stay in force", file,
                    property, problem(e));
        }
    }

    private PriceTable read(BasicFileAttributes attributes) throws IOException {
        if (attributes.size() > maxBytes) {
            throw new IllegalArgumentException("larger than " + maxBytes + " bytes");
        }
        return reader.read(Files.readAllBytes(file));
    }

    private static String problem(Exception e) {
        return e instanceof IllegalArgumentException ? e.getMessage() : e.getClass().getSimpleName();
    }
}

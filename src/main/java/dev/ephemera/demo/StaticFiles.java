package dev.ephemera.demo;

import java.io.IOException;
import java.io.InputStream;

/** Files packaged with the broker, read once. */
final class StaticFiles {

    private StaticFiles() {
    }

    static byte[] read(String resource) {
        try (InputStream in = StaticFiles.class.getClassLoader().getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("missing resource " + resource);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + resource, e);
        }
    }
}

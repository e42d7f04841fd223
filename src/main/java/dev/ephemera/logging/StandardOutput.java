package dev.ephemera.logging;

import java.io.BufferedOutputStream;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;

/**
 * The process's standard output as a buffered stream that writes only when flushed or full, for the audit appender
 * (logback.xml): {@code System.out} flushes every write, one system call per line. The asynchronous appender in front
 * flushes at the end of each batch it takes from its ring buffer, so a line waits no longer than the batch it is in.
 * The buffer is one pipe buffer's atomic size ({@code PIPE_BUF}, 4096 bytes): it is written only between whole lines,
 * so a write into a pipe never interleaves with the other loggers' lines. Closing flushes and leaves the descriptor
 * open for them.
 */
public final class StandardOutput extends BufferedOutputStream {

    private static final int PIPE_BUF = 4096;

    public StandardOutput() {
        super(new FileOutputStream(FileDescriptor.out), PIPE_BUF);
    }

    @Override
    public void close() throws IOException {
        flush();
    }
}

package dev.ephemera.audit;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.UnsynchronizedAppenderBase;
import ch.qos.logback.core.encoder.Encoder;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * The audit log's appender: each line is encoded on the thread that logs it and queued; one writer thread sends
 * what has gathered to standard output in one write, then waits a millisecond for the next batch. Under load that
 * is one system call for many lines, where a line-by-line appender makes one, and wakes a thread, per request.
 *
 * <p>Nothing is dropped: a full queue makes the logging thread wait, and {@link #stop()} writes every line still
 * queued. A line reaches standard output within about a millisecond of being logged.
 */
public final class BatchingConsoleAppender extends UnsynchronizedAppenderBase<ILoggingEvent> {

    private static final long BATCH_NANOS = TimeUnit.MILLISECONDS.toNanos(1);

    private Encoder<ILoggingEvent> encoder;
    private int queueSize = 65_536;
    private BlockingQueue<byte[]> queue;
    private Thread writer;
    private volatile boolean running;
    private PrintStream out = System.out;

    public void setEncoder(Encoder<ILoggingEvent> encoder) {
        this.encoder = encoder;
    }

    public void setQueueSize(int queueSize) {
        this.queueSize = queueSize;
    }

    /** Where lines go; standard output unless a test says otherwise. */
    void setOut(PrintStream out) {
        this.out = out;
    }

    @Override
    public void start() {
        if (encoder == null) {
            addError("No encoder set for the appender named [" + name + "].");
            return;
        }
        queue = new ArrayBlockingQueue<>(queueSize);
        running = true;
        writer = Thread.ofPlatform().daemon().name("audit-writer").start(this::writeLoop);
        super.start();
    }

    @Override
    protected void append(ILoggingEvent event) {
        byte[] line = encoder.encode(event);
        try {
            queue.put(line);
        } catch (InterruptedException e) {
            // The line is written here rather than lost.
            Thread.currentThread().interrupt();
            write(List.of(line));
        }
    }

    private void writeLoop() {
        List<byte[]> batch = new ArrayList<>();
        while (running || !queue.isEmpty()) {
            try {
                byte[] first = queue.poll(100, TimeUnit.MILLISECONDS);
                if (first == null) {
                    continue;
                }
                batch.add(first);
            } catch (InterruptedException e) {
                // stop() interrupts an idle writer; the loop ends once the queue is empty.
            }
            queue.drainTo(batch);
            write(batch);
            batch.clear();
            LockSupport.parkNanos(BATCH_NANOS);
        }
    }

    private void write(List<byte[]> lines) {
        if (lines.isEmpty()) {
            return;
        }
        int size = 0;
        for (byte[] line : lines) {
            size += line.length;
        }
        ByteArrayOutputStream buffer = new ByteArrayOutputStream(size);
        for (byte[] line : lines) {
            buffer.writeBytes(line);
        }
        // One write of whole lines: another writer's output may come between batches, never inside a line.
        out.write(buffer.toByteArray(), 0, size);
        out.flush();
    }

    @Override
    public void stop() {
        if (!isStarted()) {
            return;
        }
        super.stop();
        running = false;
        writer.interrupt();
        try {
            writer.join(TimeUnit.SECONDS.toMillis(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        List<byte[]> rest = new ArrayList<>();
        queue.drainTo(rest);
        write(rest);
    }
}

package dev.ephemera.support;

import io.netty.util.concurrent.FastThreadLocalThread;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordingFile;

/**
 * Blocking on an event loop, seen by the JDK itself: a Flight Recorder recording of every park (locks, futures'
 * {@code get}/{@code join}, latches), sleep and monitor wait, with no threshold, kept where the thread is a Netty
 * event executor's that does not permit blocking calls (the rule of Netty's BlockHound integration; a
 * {@code HashedWheelTimer}'s worker, whose work is to sleep, is not an event executor). Contended
 * {@code synchronized} is left out: the JDK's selector and class loading take monitors on every loop. BlockHound
 * itself saw neither {@code Thread.sleep} nor a latch's park on a Netty loop here (1.0.13 on JDK 25; see
 * reactor/BlockHound#529), so this stands in for it.
 */
public final class EventLoopBlocking implements AutoCloseable {

    private static final List<String> EVENTS = List.of("jdk.ThreadPark", "jdk.ThreadSleep", "jdk.JavaMonitorWait");

    private static final String EXECUTOR = "io.netty.util.concurrent.SingleThreadEventExecutor";
    private static final Set<String> IDLE = Set.of("takeTask", "confirmShutdown");

    private final Recording recording = new Recording();

    private EventLoopBlocking() {
        for (String event : EVENTS) {
            recording.enable(event).withThreshold(Duration.ZERO).withStackTrace();
        }
        recording.start();
    }

    /** Starts recording. */
    public static EventLoopBlocking watch() {
        return new EventLoopBlocking();
    }

    /**
     * Stops recording and describes each blocking call made on a non-blocking Netty thread since {@link #watch}:
     * the event, the thread and the top of its stack.
     */
    public List<String> stop() throws IOException {
        recording.stop();
        Set<Long> loops = Thread.getAllStackTraces().entrySet().stream()
                .filter(e -> e.getKey() instanceof FastThreadLocalThread f && !f.permitBlockingCalls()
                        && Stream.of(e.getValue()).anyMatch(frame -> frame.getClassName().startsWith(EXECUTOR)))
                .map(e -> e.getKey().threadId()).collect(Collectors.toSet());
        Path file = Files.createTempFile("event-loop-blocking", ".jfr");
        try {
            recording.dump(file);
            List<String> found = new ArrayList<>();
            for (RecordedEvent event : RecordingFile.readAllEvents(file)) {
                if (EVENTS.contains(event.getEventType().getName()) && event.getThread() != null
                        && loops.contains(event.getThread().getJavaThreadId()) && !idle(event)) {
                    found.add(describe(event));
                }
            }
            return found;
        } finally {
            Files.deleteIfExists(file);
        }
    }

    /**
     * An executor with nothing to do: one waiting for its next task (a task-only executor's idle wait, as a select is
     * an I/O loop's), or one shutting down (an earlier test's) that waits out its quiet period. Neither serves a
     * request.
     */
    private static boolean idle(RecordedEvent event) {
        return event.getStackTrace() != null && event.getStackTrace().getFrames().stream()
                .anyMatch(f -> IDLE.contains(f.getMethod().getName())
                        && f.getMethod().getType().getName().equals(EXECUTOR));
    }

    private static String describe(RecordedEvent event) {
        StringBuilder out = new StringBuilder(event.getEventType().getName()).append(" on ")
                .append(event.getThread().getJavaName());
        if (event.getStackTrace() != null) {
            for (RecordedFrame frame : event.getStackTrace().getFrames().stream().limit(25).toList()) {
                out.append("\n    at ").append(frame.getMethod().getType().getName()).append('.')
                        .append(frame.getMethod().getName()).append(':').append(frame.getLineNumber());
            }
        }
        return out.toString();
    }

    @Override
    public void close() {
        recording.close();
    }
}

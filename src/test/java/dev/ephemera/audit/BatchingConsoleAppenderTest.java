package dev.ephemera.audit;

import static org.awaitility.Awaitility.await;
import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.LoggingEvent;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class BatchingConsoleAppenderTest {

    private final LoggerContext context = new LoggerContext();
    private final ByteArrayOutputStream written = new ByteArrayOutputStream();

    private BatchingConsoleAppender appender(int queueSize) {
        PatternLayoutEncoder encoder = new PatternLayoutEncoder();
        encoder.setContext(context);
        encoder.setPattern("%msg%n");
        encoder.start();
        BatchingConsoleAppender appender = new BatchingConsoleAppender();
        appender.setContext(context);
        appender.setName("audit");
        appender.setEncoder(encoder);
        appender.setQueueSize(queueSize);
        appender.setOut(new PrintStream(written, true, StandardCharsets.UTF_8));
        appender.start();
        return appender;
    }

    private LoggingEvent event(String message) {
        return new LoggingEvent("test", context.getLogger("ephemera.audit"), Level.INFO, message, null, null);
    }

    @Test
    void writesEveryLineWholeAndInOrderPerThreadEvenWhenTheQueueIsFull() throws InterruptedException {
        // A queue of 16 for 4 × 5,000 lines: loggers must wait for the writer, and nothing may be dropped.
        BatchingConsoleAppender appender = appender(16);
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            int thread = t;
            threads.add(Thread.ofPlatform().start(() -> {
                for (int i = 0; i < 5_000; i++) {
                    appender.doAppend(event("{\"thread\":" + thread + ",\"n\":" + i + "}"));
                }
            }));
        }
        for (Thread thread : threads) {
            thread.join(TimeUnit.SECONDS.toMillis(30));
        }
        appender.stop();

        String[] lines = written.toString(StandardCharsets.UTF_8).split("\n", -1);
        assertThat(lines).hasSize(20_001);
        assertThat(lines[20_000]).isEmpty();
        int[] next = new int[4];
        for (int i = 0; i < 20_000; i++) {
            assertThat(lines[i]).matches("\\{\"thread\":[0-3],\"n\":\\d+}");
            int thread = lines[i].charAt(10) - '0';
            int n = Integer.parseInt(lines[i].substring(lines[i].lastIndexOf(':') + 1, lines[i].length() - 1));
            assertThat(n).as("thread %d's lines in order", thread).isEqualTo(next[thread]++);
        }
    }

    @Test
    void aLineReachesTheOutputSoonWithoutAStop() throws InterruptedException {
        BatchingConsoleAppender appender = appender(1024);
        appender.doAppend(event("{\"event\":\"token.minted\"}"));
        await().atMost(java.time.Duration.ofSeconds(5)).until(() -> written.size() > 0);
        assertThat(written.toString(StandardCharsets.UTF_8)).isEqualTo("{\"event\":\"token.minted\"}\n");
        appender.stop();
    }
}

package dev.ephemera.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.OutputStreamAppender;
import dev.ephemera.logging.StandardOutput;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import net.logstash.logback.appender.LoggingEventAsyncDisruptorAppender;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * logback.xml's audit appender as configured: when its ring is full it makes the request thread wait, and drops no
 * line; its writer takes whole lines.
 */
class AuditAppenderTest {

    private static final byte[] ACTOR = "key_ring_test".getBytes(StandardCharsets.US_ASCII);

    @Test
    @SuppressWarnings("unchecked")
    void aFullRingMakesTheWriterWaitAndLosesNoLine() throws Exception {
        LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
        var ring = (LoggingEventAsyncDisruptorAppender) context.getLogger("ephemera.audit").getAppender("AUDIT");
        var out = (OutputStreamAppender<ILoggingEvent>) ring.getAppender("AUDIT_OUT");
        CountDownLatch stuck = new CountDownLatch(1);
        Sink sink = new Sink(stuck);
        out.setOutputStream(sink);
        try {
            int lines = ring.getRingBufferSize() + 500;
            AuditLog audit = new AuditLog(Clock.systemUTC());
            Thread writer = Thread.ofPlatform().start(() -> {
                for (int i = 0; i < lines; i++) {
                    audit.record("token.minted", "key_ring_test", "token_id", "tok_" + i);
                }
            });
            // The sink holds the appender's worker: the ring fills and the writer waits instead of dropping.
            writer.join(Duration.ofSeconds(2));
            assertThat(writer.isAlive()).as("waiting on a full ring").isTrue();
            stuck.countDown();
            writer.join(Duration.ofSeconds(30));
            assertThat(writer.isAlive()).isFalse();
            await().atMost(Duration.ofSeconds(30)).until(() -> sink.lines.get() == lines);
            assertThat(sink.partial).as("a write with a partial line").isZero();
        } finally {
            out.setOutputStream(new StandardOutput());
        }
    }

    /** Counts the test's lines; the first write waits until released. */
    private static final class Sink extends OutputStream {

        private final CountDownLatch stuck;
        final AtomicLong lines = new AtomicLong();
        long partial;

        Sink(CountDownLatch stuck) {
            this.stuck = stuck;
        }

        @Override
        public void write(int b) {
            partial++;
        }

        @Override
        public void write(byte[] b, int off, int len) {
            try {
                stuck.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            if (len == 0 || b[off + len - 1] != '\n') {
                partial++;
            }
            for (int i = off; i + ACTOR.length <= off + len; i++) {
                if (b[i] == ACTOR[0] && Arrays.equals(b, i, i + ACTOR.length, ACTOR, 0, ACTOR.length)) {
                    lines.incrementAndGet();
                }
            }
        }
    }
}

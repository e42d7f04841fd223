package dev.ephemera;

import ch.qos.logback.classic.LoggerContext;
import dev.ephemera.relay.Drain;
import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.Micronaut;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;

/**
 * Starts the Ephemera broker. SIGTERM first drains (SPEC §8, {@link Drain}): readiness DOWN, realtime sessions told
 * to end and given the drain period; then the JVM exits, and Micronaut's graceful shutdown stops taking requests
 * and finishes the ones it has before anything they need is closed.
 */
public final class Application {

    private Application() {
    }

    public static void main(String[] args) {
        ApplicationContext context = Micronaut.run(Application.class, args);
        Runtime.getRuntime().addShutdownHook(Thread.ofPlatform().name("logging-stop").unstarted(() ->
                stopLoggingAfter(context)));
        Drain drain = context.getBean(Drain.class);
        Signal.handle(new Signal("TERM"), signal -> Thread.ofPlatform().name("drain").start(() -> {
            try {
                int left = drain.start();
                if (left > 0) {
                    LoggerFactory.getLogger(Application.class).warn("Drain period over with {} realtime sessions "
                            + "open; they are closed now", left);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            System.exit(143);
        }));
    }

    /**
     * Stops Logback once Micronaut's own shutdown hook has closed the context (hooks run side by side), so that the
     * audit appender writes every line still queued (logback.xml), including those of the last requests answered.
     */
    private static void stopLoggingAfter(ApplicationContext context) {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
        while (context.isRunning() && System.nanoTime() < deadline) {
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
        }
        if (LoggerFactory.getILoggerFactory() instanceof LoggerContext logging) {
            logging.stop();
        }
    }
}

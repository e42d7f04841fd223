package dev.ephemera;

import dev.ephemera.relay.Drain;
import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.Micronaut;
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
}

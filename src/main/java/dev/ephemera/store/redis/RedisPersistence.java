package dev.ephemera.store.redis;

import dev.ephemera.logging.RepeatedLog;
import io.lettuce.core.event.connection.ConnectionActivatedEvent;
import io.lettuce.core.resource.ClientResources;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;

/**
 * Warns when the store would lose what must last: API keys live only in Redis, so a Redis without persistence (no
 * append-only file, no RDB snapshots) forgets every key when it restarts, and every caller then gets
 * {@code 401 invalid_api_key}. Checked when a connection to Redis becomes active (at start-up and after every
 * reconnect, when a restarted Redis may have come back with another configuration).
 */
final class RedisPersistence {

    private static final Logger LOG = LoggerFactory.getLogger(RedisPersistence.class);
    /** Every connection (each event loop's, each Cluster node's) reports its activation: one line per 10 s. */
    private final RepeatedLog repeated = new RepeatedLog(LOG);

    private final Supplier<CompletableFuture<Map<String, String>>> probe;
    private final AtomicBoolean checking = new AtomicBoolean();
    private final Disposable subscription;

    /**
     * @param probe what Redis says of its persistence: {@code aof_enabled} from {@code INFO persistence} and
     *              {@code save} from {@code CONFIG GET save} (absent where the command is refused)
     */
    RedisPersistence(ClientResources resources, Supplier<CompletableFuture<Map<String, String>>> probe) {
        this.probe = probe;
        this.subscription = resources.eventBus().get().filter(ConnectionActivatedEvent.class::isInstance)
                .subscribe(activated -> check());
    }

    /** Checks once (and not again while a check is under way); logs, never fails. */
    void check() {
        if (!checking.compareAndSet(false, true)) {
            return;
        }
        probe.get().whenComplete((said, failure) -> {
            checking.set(false);
            if (failure != null) {
                return;
            }
            String verdict = verdict(said);
            if (verdict != null) {
                repeated.warn(verdict);
            }
        });
    }

    /** The warning {@code said} deserves, or null when Redis keeps its data. */
    static String verdict(Map<String, String> said) {
        if ("1".equals(said.get("aof_enabled"))) {
            return null;
        }
        String save = said.get("save");
        if (save != null && !save.isBlank()) {
            return null;
        }
        return "Redis keeps " + (save == null ? "no append-only file, and would not say whether it takes snapshots"
                : "no persistence (no append-only file, no snapshots)") + ": API keys live only in the store and are "
                + "lost when Redis restarts. Turn on appendonly (README: production notes).";
    }

    /** {@code aof_enabled} in an {@code INFO persistence} answer, or null. */
    static String aofEnabled(String info) {
        return info.lines().filter(l -> l.startsWith("aof_enabled:")).map(l -> l.substring(12).trim())
                .findFirst().orElse(null);
    }

    void close() {
        subscription.dispose();
    }
}

package dev.ephemera.store.redis;

import dev.ephemera.async.Stages;
import dev.ephemera.logging.RepeatedLog;
import dev.ephemera.metrics.BrokerMetrics;
import dev.ephemera.store.StoreUnavailableException;
import io.lettuce.core.RedisCommandExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** What a Redis failure becomes for a caller: {@link StoreUnavailableException}, logged and counted once. */
final class RedisFailures {

    private static final Logger LOG = LoggerFactory.getLogger(RedisConnector.class);
    private static final RepeatedLog REPEATED = new RepeatedLog(LOG);

    private final BrokerMetrics metrics;

    RedisFailures(BrokerMetrics metrics) {
        this.metrics = metrics;
    }

    /**
     * The failure handed to a caller for {@code e}: one Redis error, counted once. A failure that already is one
     * (a connection that could not be opened) is passed on as it is, and counted here too.
     */
    StoreUnavailableException unavailable(Throwable e) {
        metrics.redisError();
        Throwable cause = Stages.cause(e);
        if (cause instanceof StoreUnavailableException s) {
            return s;
        }
        if (cause instanceof RedisCommandExecutionException) {
            REPEATED.error("Redis refused a command: {}", cause.getMessage());
        } else {
            REPEATED.warn("Redis unavailable: {}", cause.getClass().getSimpleName());
        }
        return new StoreUnavailableException();
    }

    /** A failure of a stage whose own failure was already counted by {@link #unavailable}. */
    StoreUnavailableException passOn(Throwable e) {
        return Stages.cause(e) instanceof StoreUnavailableException s ? s : unavailable(e);
    }
}

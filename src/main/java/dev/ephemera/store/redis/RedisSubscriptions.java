package dev.ephemera.store.redis;

import dev.ephemera.logging.RepeatedLog;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import io.lettuce.core.resource.ClientResources;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This replica's subscriptions to Redis channels, one publish/subscribe connection each, which Lettuce reconnects
 * and subscribes again after a failure. A message published while a connection is down is missed: its listeners
 * have a fall-back of their own. A first connect that fails is tried again every second; nothing blocks.
 */
final class RedisSubscriptions {

    private static final Logger LOG = LoggerFactory.getLogger(RedisSubscriptions.class);
    private static final RepeatedLog REPEATED = new RepeatedLog(LOG);

    private final RedisEndpoint.Client client;
    private final ClientResources resources;
    private final List<StatefulRedisPubSubConnection<String, String>> open = new CopyOnWriteArrayList<>();
    private volatile boolean closed;

    RedisSubscriptions(RedisEndpoint.Client client, ClientResources resources) {
        this.client = client;
        this.resources = resources;
    }

    /** Calls {@code listener} with every message on {@code channel}, on a thread of Lettuce's. */
    void subscribe(String channel, Consumer<String> listener) {
        client.connectPubSub().whenComplete((connection, failure) -> {
            if (failure != null) {
                REPEATED.warn("Cannot subscribe to Redis channel {} ({}); trying again", channel,
                        failure.getClass().getSimpleName());
                if (!closed) {
                    resources.eventExecutorGroup().schedule(() -> subscribe(channel, listener), 1, TimeUnit.SECONDS);
                }
                return;
            }
            if (closed) {
                connection.closeAsync();
                return;
            }
            open.add(connection);
            connection.addListener(new RedisPubSubAdapter<>() {
                @Override
                public void message(String from, String message) {
                    if (channel.equals(from)) {
                        listener.accept(message);
                    }
                }
            });
            connection.async().subscribe(channel);
        });
    }

    void close() {
        closed = true;
        open.forEach(StatefulRedisPubSubConnection::close);
    }
}

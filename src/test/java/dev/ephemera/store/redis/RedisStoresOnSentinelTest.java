package dev.ephemera.store.redis;

import dev.ephemera.support.RedisTopologies;
import java.util.List;

/** The store contracts on a Redis Sentinel group. */
class RedisStoresOnSentinelTest extends RedisStoresTest {

    @Override
    RedisEndpoint endpoint() {
        return RedisEndpoint.of(RedisTopologies.sharedSentinel().uri(), List.of(), SETTINGS.commandTimeout());
    }
}

package dev.ephemera.store.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ephemera.support.TestRedis;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.sync.RedisCommands;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Every Lua script of the Redis store compiles. After a restart or SCRIPT FLUSH the connector loads them all at
 * once (RedisConnector#reloadScripts), so one that does not compile fails every command that needed a reload: a
 * script named a variable {@code until}, a Lua keyword, and mints failed with store_unavailable.
 */
class RedisScriptsTest {

    @Test
    void everyScriptCompiles() throws IOException {
        Path dir = Path.of("src/main/resources/dev/ephemera/store/redis");
        List<Path> scripts;
        try (Stream<Path> files = Files.list(dir)) {
            scripts = files.filter(f -> f.toString().endsWith(".lua")).sorted().toList();
        }
        assertThat(scripts).hasSizeGreaterThan(10);
        try (RedisClient client = RedisClient.create(TestRedis.uri())) {
            RedisCommands<String, String> redis = client.connect().sync();
            for (Path script : scripts) {
                assertThat(redis.scriptLoad(Files.readString(script))).as(script.toString()).hasSize(40);
            }
        }
    }
}

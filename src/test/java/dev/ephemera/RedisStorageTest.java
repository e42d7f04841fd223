package dev.ephemera;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ephemera.support.Broker;
import dev.ephemera.support.TestRedis;
import io.lettuce.core.RedisClient;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScanIterator;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.codec.ByteArrayCodec;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** What the broker leaves in Redis: hashes of secrets and ids, never a secret, and a TTL on every session key. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RedisStorageTest {

    private Broker broker;
    private RedisClient client;
    private StatefulRedisConnection<byte[], byte[]> connection;

    @BeforeAll
    void start() {
        // Scripts are flushed and every key is read: a Redis these tests started.
        broker = Broker.onRedis(TestRedis.ownUri(), Map.of());
        client = RedisClient.create(TestRedis.ownUri());
        connection = client.connect(ByteArrayCodec.INSTANCE);
    }

    @AfterAll
    void stop() {
        connection.close();
        client.shutdown();
        broker.close();
    }

    @Test
    void redisDumpHoldsNoTokenAndNoKeySecret() {
        List<String> secrets = new ArrayList<>();
        String key = broker.createKey("read", "write");
        secrets.add(key);
        for (String format : List.of("opaque", "jwt")) {
            String value = broker.mint(key, Map.of("provider", "openai", "format", format, "max_uses", 2))
                    .string("value");
            secrets.add(value);
            broker.consume(key, value);
        }
        String rotated = broker.postJson("/v1/admin/keys/" + "key_" + key.substring(5, 21) + "/rotate",
                Broker.ADMIN_KEY, Map.of()).string("key");
        secrets.add(rotated);
        secrets.add(Broker.ADMIN_KEY);

        String dump = dumpEverything();
        assertThat(dump).contains("eph:tok:{", "eph:key:{");
        for (String secret : secrets) {
            // The secret part of each credential (past any fixed prefix and id) must appear nowhere.
            String secretPart = secret.startsWith("ephk_") ? secret.substring(21, 64)
                    : secret.startsWith("eph_") ? secret.substring(4, 47)
                    : secret.length() > 60 ? secret.substring(secret.length() - 60) : secret;
            assertThat(dump).doesNotContain(secretPart);
        }
    }

    @Test
    void everyKeyOfATokenExpiresWithinThirtySecondsOfTheToken() {
        String key = broker.createKey("write");
        var minted = broker.mint(key, Map.of("provider", "openai", "ttl_seconds", 10));
        RedisCommands<byte[], byte[]> redis = connection.sync();
        String hash = dev.ephemera.secret.Secrets.sha256Hex(minted.string("value"));
        List<String> tokenKeys = List.of("eph:tok:{" + hash + "}", "eph:tid:" + minted.string("id"));
        for (String k : tokenKeys) {
            long ttl = redis.pttl(k.getBytes(StandardCharsets.UTF_8));
            assertThat(ttl).as("TTL of %s", k).isBetween(30_000L, 40_000L);
        }
        long indexTtl = redis.pttl(("eph:ktok:key_" + key.substring(5, 21)).getBytes(StandardCharsets.UTF_8));
        assertThat(indexTtl).as("TTL of the key's token index").isPositive();
    }

    @Test
    void mintsAndRedeemsAfterRedisForgetsItsScripts() {
        String key = broker.createKey("write", "read");
        broker.mint(key, Map.of("provider", "openai"));
        connection.sync().scriptFlush();
        String token = broker.mint(key, Map.of("provider", "openai")).string("value");
        connection.sync().scriptFlush();
        assertThat(broker.consume(key, token).status()).isEqualTo(200);
    }

    private List<String> keys(String pattern) {
        List<String> out = new ArrayList<>();
        ScanIterator.scan(connection.sync(), ScanArgs.Builder.matches(pattern).limit(500))
                .forEachRemaining(k -> out.add(new String(k, StandardCharsets.UTF_8)));
        return out;
    }

    /** Every key and every value under the broker's namespace, as text. */
    private String dumpEverything() {
        RedisCommands<byte[], byte[]> redis = connection.sync();
        StringBuilder dump = new StringBuilder();
        for (String k : keys("eph:*")) {
            byte[] key = k.getBytes(StandardCharsets.UTF_8);
            dump.append(k).append('\n');
            String type = redis.type(key);
            switch (type) {
                case "hash" -> redis.hgetall(key).forEach((f, v) -> dump.append(text(f)).append('=')
                        .append(text(v)).append('\n'));
                case "string" -> dump.append(text(redis.get(key))).append('\n');
                case "zset" -> redis.zrange(key, 0, -1).forEach(v -> dump.append(text(v)).append('\n'));
                case "set" -> redis.smembers(key).forEach(v -> dump.append(text(v)).append('\n'));
                default -> dump.append("?").append(type).append('\n');
            }
            dump.append(new String(redis.dump(key), StandardCharsets.ISO_8859_1)).append('\n');
        }
        return dump.toString();
    }

    private static String text(byte[] bytes) {
        return new String(bytes, StandardCharsets.UTF_8);
    }
}

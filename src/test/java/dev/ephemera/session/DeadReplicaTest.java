package dev.ephemera.session;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ephemera.support.Broker;
import dev.ephemera.support.TestRedis;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.sync.RedisCommands;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Crash clean-up costs one heartbeat per replica, not a renewal per session (issue 29): what a replica that died
 * mid-session leaves in Redis (its heartbeat older than the lease, its live sessions, their ids on its list, their
 * places among their key's sessions, their watched calls) is removed by a surviving replica (its calls handed to the
 * calls' sweep), and a replica that beats
 * keeps its own.
 */
class DeadReplicaTest {

    @Test
    void aReplicaThatStoppedBeatingHasItsSessionsAndPlacesRemovedByAnother() {
        try (Broker survivor = Broker.onRedis(TestRedis.ownUri(), Map.of());
                RedisClient client = RedisClient.create(TestRedis.ownUri())) {
            RedisCommands<String, String> redis = client.connect().sync();
            long now = Long.parseLong(redis.time().get(0)) * 1000;
            String dead = "rep_deadreplica0001";
            String alive = "rep_alivereplica001";
            redis.zadd("eph:{replicas}", now - Duration.ofMinutes(1).toMillis(), dead);
            redis.zadd("eph:{replicas}", now + Duration.ofMinutes(1).toMillis(), alive);
            for (String[] s : new String[][] {{dead, "ses_of_the_dead_one"}, {alive, "ses_of_the_live_one"}}) {
                redis.hset("eph:live:{" + s[1] + "}", Map.of("id", s[1], "key_id", "key_deadreplica", "replica",
                        s[0]));
                redis.zadd("eph:lives:r:{" + s[0] + "}", now, s[1]);
                redis.zadd("eph:sess:{key_deadreplica}", now + Duration.ofMinutes(30).toMillis(), s[1]);
                // Each a watched call too, held as long as it may last, of a provider not known here: a taken call is
                // only forgotten.
                redis.zadd("eph:calls", now + Duration.ofMinutes(30).toMillis(), s[1]);
                redis.set("eph:call:{" + s[1] + "}", "no_such_provider REALTIME rtc_" + s[1]);
            }
            await().atMost(Duration.ofSeconds(6)).until(() -> redis.exists("eph:live:{ses_of_the_dead_one}") == 0);
            await().atMost(Duration.ofSeconds(2)).until(() -> redis.zscore("eph:sess:{key_deadreplica}",
                    "ses_of_the_dead_one") == null);
            await().atMost(Duration.ofSeconds(8)).until(() -> redis.zscore("eph:calls", "ses_of_the_dead_one") == null);
            assertThat(redis.exists("eph:call:{ses_of_the_dead_one}")).as("taken by the calls' sweep").isZero();
            assertThat(redis.zscore("eph:calls", "ses_of_the_live_one")).isNotNull();
            assertThat(redis.zscore("eph:{replicas}", dead)).as("taken").isNull();
            assertThat(redis.exists("eph:lives:r:{" + dead + "}")).isZero();
            assertThat(redis.exists("eph:live:{ses_of_the_live_one}")).as("its replica beats").isOne();
            assertThat(redis.zscore("eph:sess:{key_deadreplica}", "ses_of_the_live_one")).isNotNull();
        }
    }
}

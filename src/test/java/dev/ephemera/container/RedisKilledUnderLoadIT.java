package dev.ephemera.container;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ephemera.k8s.DeploymentPod;
import dev.ephemera.k8s.Manifests;
import dev.ephemera.k8s.PodContainer;
import dev.ephemera.support.BrokerHttp;
import dev.ephemera.support.ContainerEngine;
import dev.ephemera.support.RedisContainers;
import dev.ephemera.support.RedisContainers.Node;
import dev.ephemera.support.TestImages;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.testcontainers.containers.GenericContainer;
import org.slf4j.LoggerFactory;
import org.testcontainers.containers.Network;

/**
 * The broker's image (as the base Deployment runs it) on a Redis container that is killed (SIGKILL) while a small
 * mint load runs, then started again: what {@code RedisOutageTest} checks with a cut connection, with a real crash
 * and a real restart (a new process, its scripts gone, a new address behind the same name). Every mint is answered
 * within 2 s, either 201 or {@code 503 store_unavailable}; readiness goes down and liveness stays up; once Redis is
 * back (its append-only file kept what it had) the broker is ready again on its own, mints again, still refuses the
 * token used before the crash and grants the unused one once.
 */
class RedisKilledUnderLoadIT {

    private static final Duration FAST = Duration.ofSeconds(2);

    @Test
    void aKilledRedisIsA503AtOnceAndTheBrokerRecoversOnItsOwnWhenRedisIsBack() throws Exception {
        ContainerEngine.require();
        String image = TestImages.broker();
        DeploymentPod pod = DeploymentPod.of(Manifests.base());
        Network network = ContainerEngine.network();
        Node redis = RedisContainers.node(network, "redis", "--appendonly", "yes", "--appendfsync", "always");
        GenericContainer<?> broker = PodContainer.of(image, pod, pod.environment(), network);
        try {
            broker.start();
            BrokerHttp http = new BrokerHttp(broker.getMappedPort(8080));
            String key = BrokerHttp.field(http.postJson("/v1/admin/keys", pod.adminKey(),
                    "{\"name\":\"load\",\"permissions\":[\"read\",\"write\"]}"), "key");
            String spent = BrokerHttp.field(http.postJson("/v1/tokens", key, "{\"provider\":\"openai\"}"), "value");
            assertThat(consume(http, key, spent).statusCode()).isEqualTo(200);
            String unused = BrokerHttp.field(http.postJson("/v1/tokens", key, "{\"provider\":\"openai\"}"), "value");

            try (MintLoad load = new MintLoad(http, key, 4)) {
                await("mints granted before the kill", Duration.ofSeconds(10), () -> load.granted() >= 20);
                long killed = System.nanoTime();
                ContainerEngine.client().killContainerCmd(redis.container().getContainerId()).exec();
                await("readiness down", Duration.ofSeconds(5), () -> status(http, "/health/readiness") == 503);
                long down = System.nanoTime();
                assertThat(status(http, "/health/liveness")).as("liveness while Redis is down").isEqualTo(200);
                HttpResponse<String> refused = timed(() -> consume(http, key, unused));
                assertThat(BrokerHttp.code(refused)).as(refused.body()).isEqualTo("store_unavailable");
                await("mints refused", Duration.ofSeconds(5), () -> load.refusedSince(killed) >= 20);

                long restarted = System.nanoTime();
                ContainerEngine.client().startContainerCmd(redis.container().getContainerId()).exec();
                await("readiness up again", Duration.ofSeconds(60), () -> status(http, "/health/readiness") == 200);
                long up = System.nanoTime();
                long grantedAfter = load.granted();
                await("mints granted again", Duration.ofSeconds(10), () -> load.granted() >= grantedAfter + 20);
                load.close();

                assertThat(load.unexpected()).as("answers other than 201 and 503 store_unavailable").isEmpty();
                assertThat(load.slowest()).as("the slowest mint").isLessThan(FAST);
                LoggerFactory.getLogger(RedisKilledUnderLoadIT.class).info("Redis killed under load: readiness down "
                        + "after {} ms; {} mints refused (503), the slowest answer of all {} in {} ms; Redis started "
                        + "again: ready after {} ms", (down - killed) / 1_000_000, load.refusedSince(killed),
                        load.total(), load.slowest().toMillis(), (up - restarted) / 1_000_000);
            }
            assertThat(BrokerHttp.code(consume(http, key, spent))).isEqualTo("token_already_used");
            assertThat(consume(http, key, unused).statusCode()).isEqualTo(200);
            assertThat(BrokerHttp.code(consume(http, key, unused))).isEqualTo("token_already_used");
            assertThat(broker.isRunning()).isTrue();
            assertThat(broker.getLogs()).doesNotContain(pod.adminKey(), key, spent, unused, DeploymentPod.OPENAI_KEY);
        } finally {
            broker.stop();
            redis.container().stop();
            network.close();
        }
    }

    private static HttpResponse<String> consume(BrokerHttp http, String key, String token) {
        return http.postForm("/v1/tokens/introspect", key, "token=" + token + "&consume=true");
    }

    private static int status(BrokerHttp http, String path) {
        return http.get(path, null).statusCode();
    }

    /** {@code call}'s answer, which must come within {@link #FAST}. */
    private static HttpResponse<String> timed(java.util.function.Supplier<HttpResponse<String>> call) {
        long started = System.nanoTime();
        HttpResponse<String> response = call.get();
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(FAST);
        return response;
    }

    private static void await(String what, Duration limit, BooleanSupplier done) throws InterruptedException {
        long deadline = System.nanoTime() + limit.toNanos();
        while (!done.getAsBoolean()) {
            assertThat(System.nanoTime()).as("%s within %s", what, limit).isLessThan(deadline);
            Thread.sleep(50);
        }
    }
}

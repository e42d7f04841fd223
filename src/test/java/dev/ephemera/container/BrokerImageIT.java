package dev.ephemera.container;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ephemera.k8s.DeploymentPod;
import dev.ephemera.k8s.Manifests;
import dev.ephemera.k8s.PodContainer;
import dev.ephemera.secret.Secrets;
import dev.ephemera.support.BrokerHttp;
import dev.ephemera.support.ContainerEngine;
import dev.ephemera.support.RedisContainers;
import dev.ephemera.support.RedisContainers.Node;
import dev.ephemera.support.RedisTopologies;
import dev.ephemera.support.TestImages;
import io.lettuce.core.RedisCommandExecutionException;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.Network;

/**
 * The broker's image on each store topology, run as the base Deployment runs it ({@link PodContainer}: uid 10001, a
 * read-only root, no capabilities, the base ConfigMap's environment, its mounts), the store in containers on the
 * same network: the standalone Redis the base ConfigMap names ({@code redis}), a Sentinel group, a Cluster. A token
 * minted over HTTP is in Redis under its hash with one use left, introspected, redeemed once (none left, in Redis),
 * refused the second time.
 */
class BrokerImageIT {

    /** The store the broker's container is given. */
    enum Topology { STANDALONE, SENTINEL, CLUSTER }

    @ParameterizedTest(name = "on {0}")
    @EnumSource(Topology.class)
    void mintsRedeemsOnceAndKeepsTheTokenInRedis(Topology topology) throws Exception {
        ContainerEngine.require();
        String image = TestImages.broker();
        DeploymentPod pod = DeploymentPod.of(Manifests.base());
        Network network = ContainerEngine.network();
        Map<String, String> env = new HashMap<>(pod.environment());
        List<Node> redis = new ArrayList<>();
        switch (topology) {
            case STANDALONE -> redis.add(RedisContainers.node(network, "redis"));
            case SENTINEL -> {
                RedisContainers.Sentinel group = RedisContainers.sentinel(network, "ephemera", List.of("sentinel-0",
                        "sentinel-1", "sentinel-2"), 26379);
                env.put("REDIS_URI", group.networkUri());
                redis.add(group.master());
                redis.add(group.replica());
                redis.addAll(group.sentinels());
            }
            case CLUSTER -> {
                redis.addAll(RedisContainers.cluster(network, "redis-cluster"));
                env.remove("REDIS_URI");
                env.put("REDIS_URIS", String.join(",", redis.stream().map(Node::networkUri).toList()));
            }
            default -> throw new AssertionError(topology);
        }
        GenericContainer<?> broker = PodContainer.of(image, pod, env, network);
        try {
            broker.start();
            BrokerHttp http = new BrokerHttp(broker.getMappedPort(8080));
            assertThat(http.get("/health/readiness", null).statusCode()).as(broker.getLogs()).isEqualTo(200);
            HttpResponse<String> created = http.postJson("/v1/admin/keys", pod.adminKey(),
                    "{\"name\":\"image\",\"permissions\":[\"read\",\"write\"]}");
            assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
            String key = BrokerHttp.field(created, "key");
            HttpResponse<String> minted = http.postJson("/v1/tokens", key, "{\"provider\":\"openai\"}");
            assertThat(minted.statusCode()).as(minted.body()).isEqualTo(201);
            String token = BrokerHttp.field(minted, "value");
            String record = "eph:tok:{" + Secrets.sha256Hex(token) + "}";
            List<Node> masters = topology == Topology.SENTINEL ? redis.subList(0, 1) : redis;
            assertThat(usesLeft(masters, record)).as("uses left of %s in Redis", record).isEqualTo("1");

            HttpResponse<String> introspected = http.postForm("/v1/tokens/introspect", key, "token=" + token);
            assertThat(BrokerHttp.field(introspected, "active")).as(introspected.body()).isEqualTo("true");
            HttpResponse<String> redeemed = http.postForm("/v1/tokens/introspect", key, "token=" + token
                    + "&consume=true");
            assertThat(BrokerHttp.field(redeemed, "active")).as(redeemed.body()).isEqualTo("true");
            assertThat(usesLeft(masters, record)).isEqualTo("0");
            HttpResponse<String> again = http.postForm("/v1/tokens/introspect", key, "token=" + token
                    + "&consume=true");
            assertThat(BrokerHttp.code(again)).as(again.body()).isEqualTo("token_already_used");
            assertThat(broker.getLogs()).doesNotContain(pod.adminKey(), key, token, DeploymentPod.OPENAI_KEY);
        } finally {
            broker.stop();
            redis.forEach(node -> node.container().stop());
            network.close();
        }
    }

    /** The record's {@code left} field, read on whichever of {@code masters} holds its slot. */
    private static String usesLeft(List<Node> masters, String record) {
        return masters.stream().map(node -> {
            try {
                return RedisTopologies.on(node.hostUri(), c -> c.hget(record, "left"));
            } catch (RedisCommandExecutionException moved) {
                return null;
            }
        }).filter(Objects::nonNull).findFirst().orElse(null);
    }
}

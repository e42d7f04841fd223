package dev.ephemera.session;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ephemera.support.Broker;
import dev.ephemera.support.BrokerExtension;
import dev.ephemera.support.FakeUpstream;
import dev.ephemera.support.TestRedis;
import dev.ephemera.support.WsClient;
import io.lettuce.core.RedisClient;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * SPEC §11 across two replicas on one Redis: a session opened on replica B is listed on A with its usage, and ends
 * within a second when A revokes its token (by handle, by value, through its key) or ends it; a replica that did
 * not hear the request ends the session at its next renewal. The token's receipt keeps what happened.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class KillSwitchTest {

    @RegisterExtension
    static final BrokerExtension ENV = BrokerExtension.onRedis().withFakeProvider(fake -> Map.of(
            "ephemera.providers.openai.realtime-url", fake.websocketBase("sdk") + "/realtime"));
    private Broker a;
    private Broker b;
    private String key;
    private String otherKey;

    @BeforeAll
    void start() {
        FakeUpstream fake = ENV.fake();
        a = ENV.broker();
        b = Broker.onRedis(TestRedis.uri(), Map.of("ephemera.providers.openai.base-url", fake.base("openai"),
                "ephemera.providers.openai.realtime-url", fake.websocketBase("sdk") + "/realtime"));
        key = ENV.secret(a.createKey("write", "read"));
        otherKey = ENV.secret(a.createKey("write", "read"));
    }

    @AfterAll
    void stop() {
        b.close();
    }

    private record Opened(String tokenId, String token, WsClient client, String sessionId) {
    }

    /** Mints on A, opens the session on B, and finds it in A's list. */
    @SuppressWarnings("unchecked")
    private Opened openOnB() throws Exception {
        Broker.Reply minted = a.mint(key, Map.of("provider", "openai", "model", "gpt-realtime"));
        String token = ENV.secret(minted.string("value"));
        WsClient client = WsClient.connect(b.url().replaceFirst("^http", "ws") + "/v1/realtime",
                List.of("ephemera", "ephemera-token." + token), Map.of());
        String[] id = new String[1];
        await().atMost(Duration.ofSeconds(5)).until(() -> {
            List<Map<String, Object>> live = (List<Map<String, Object>>) a.get("/v1/sessions", key).json()
                    .get("data");
            live.stream().filter(s -> minted.string("id").equals(s.get("token_id"))).findFirst()
                    .ifPresent(s -> id[0] = (String) s.get("id"));
            return id[0] != null;
        });
        return new Opened(minted.string("id"), token, client, id[0]);
    }

    @Test
    @SuppressWarnings("unchecked")
    void aSessionOnOneReplicaIsListedOnTheOtherWithItsUsage() throws Exception {
        Opened s = openOnB();
        s.client().socket.sendText("{\"type\":\"response.create\"}", true).join();
        await().atMost(Duration.ofSeconds(5)).until(() -> ((Number) ((Map<String, Object>) a.get("/v1/sessions/"
                + s.sessionId(), key).json().get("usage")).get("total_tokens")).longValue() == 30);
        Map<String, Object> session = a.get("/v1/sessions/" + s.sessionId(), key).json();
        assertThat(session).containsEntry("token_id", s.tokenId()).containsEntry("provider", "openai")
                .containsEntry("model", "gpt-realtime");
        assertThat((Map<String, Object>) session.get("usage")).containsEntry("input_tokens", 20)
                .containsEntry("output_tokens", 10).containsEntry("cached_tokens", 5)
                .containsEntry("audio_input_tokens", 12).containsEntry("audio_output_tokens", 5)
                .as("a text delta naming response.done is not a response").containsEntry("responses", 1);
        // Another key's caller neither sees nor ends it; an admin sees it.
        assertThat(a.get("/v1/sessions/" + s.sessionId(), otherKey).status()).isEqualTo(404);
        assertThat(a.delete("/v1/sessions/" + s.sessionId(), otherKey).status()).isEqualTo(404);
        assertThat((List<?>) a.get("/v1/sessions", otherKey).json().get("data")).isEmpty();
        assertThat(a.get("/v1/sessions/" + s.sessionId(), Broker.ADMIN_KEY).status()).isEqualTo(200);
        s.client().socket.sendClose(1000, "bye").join();
        await().atMost(Duration.ofSeconds(5)).until(() -> a.get("/v1/sessions/" + s.sessionId(), key).status()
                == 404);
        Map<String, Object> receipt = a.get("/v1/tokens/" + s.tokenId(), key).json();
        assertThat(receipt).containsEntry("state", "used_up").containsEntry("uses", 1);
        List<Map<String, Object>> sessions = (List<Map<String, Object>>) receipt.get("sessions");
        assertThat(sessions).singleElement().satisfies(one -> assertThat(one).containsEntry("id", s.sessionId())
                .containsEntry("state", "closed").containsEntry("close_reason", "client_closed"));
        assertThat((Map<String, Object>) receipt.get("usage")).containsEntry("total_tokens", 30)
                .containsEntry("responses", 1);
    }

    @Test
    @SuppressWarnings("unchecked")
    void revokingTheTokenOnOneReplicaClosesItsSessionOnTheOtherWithinASecond() throws Exception {
        Opened s = openOnB();
        long revoked = System.nanoTime();
        assertThat(a.delete("/v1/tokens/" + s.tokenId(), key).status()).isEqualTo(204);
        assertThat(s.client().closeCode.get(1, TimeUnit.SECONDS)).isEqualTo(1008);
        assertThat(Duration.ofNanos(System.nanoTime() - revoked)).isLessThan(Duration.ofSeconds(1));
        assertThat(s.client().closeReason.get()).isEqualTo("the token was revoked");
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
            Map<String, Object> receipt = a.get("/v1/tokens/" + s.tokenId(), key).json();
            assertThat(receipt).containsEntry("state", "revoked").containsKey("revoked_at");
            assertThat((List<Map<String, Object>>) receipt.get("sessions")).singleElement().satisfies(one ->
                    assertThat(one).containsEntry("state", "closed").containsEntry("close_reason", "token_revoked"));
        });
    }

    @Test
    void revokingByValueOrThroughTheKeyEndsTheSessionToo() throws Exception {
        Opened byValue = openOnB();
        assertThat(a.postForm("/v1/tokens/revoke", key, "token=" + byValue.token()).status()).isEqualTo(200);
        assertThat(byValue.client().closeCode.get(1, TimeUnit.SECONDS)).isEqualTo(1008);

        String cascading = ENV.secret(a.createKey("write", "read"));
        Broker.Reply minted = a.mint(cascading, Map.of("provider", "openai"));
        String keyId = (String) a.introspect(cascading, minted.string("value")).json().get("client_id");
        WsClient client = WsClient.connect(b.url().replaceFirst("^http", "ws") + "/v1/realtime",
                List.of("ephemera", "ephemera-token." + ENV.secret(minted.string("value"))), Map.of());
        Broker.Reply revoked = a.delete("/v1/admin/keys/" + keyId + "?cascade=true", Broker.ADMIN_KEY);
        assertThat(revoked.status()).as(keyId + " " + revoked.body()).isEqualTo(200);
        assertThat(client.closeCode.get(1, TimeUnit.SECONDS)).isEqualTo(1008);
        assertThat(client.closeReason.get()).isEqualTo("the key that minted the token was revoked");
    }

    @Test
    void endingTheSessionOnOneReplicaClosesItOnTheOther() throws Exception {
        Opened s = openOnB();
        assertThat(a.delete("/v1/sessions/" + s.sessionId(), key).status()).isEqualTo(204);
        assertThat(s.client().closeCode.get(1, TimeUnit.SECONDS)).isEqualTo(1008);
        assertThat(s.client().closeReason.get()).isEqualTo("the session was ended by the backend");
        await().atMost(Duration.ofSeconds(5)).until(() -> a.get("/v1/sessions/" + s.sessionId(), key).status()
                == 404);
        assertThat(a.delete("/v1/sessions/" + s.sessionId(), key).status()).as("gone").isEqualTo(404);
    }

    /**
     * The request written where the replica looks at each heartbeat (its own end requests, addressed by the replica
     * id its live entry names), but the message never sent: it still ends.
     */
    @Test
    void aReplicaThatMissedTheMessageEndsTheSessionAtItsNextRenewal() throws Exception {
        Opened s = openOnB();
        try (RedisClient redis = RedisClient.create(TestRedis.uri())) {
            var sync = redis.connect().sync();
            String replica = sync.hget("eph:live:{" + s.sessionId() + "}", "replica");
            assertThat(replica).startsWith("rep_");
            sync.hset("eph:{replicas}:ends:" + replica, s.sessionId(), "ended_by_backend");
        }
        long marked = System.nanoTime();
        assertThat(s.client().closeCode.get(5, TimeUnit.SECONDS)).isEqualTo(1008);
        assertThat(Duration.ofNanos(System.nanoTime() - marked))
                .isLessThanOrEqualTo(LiveSessions.RENEWAL_PERIOD.plusSeconds(1));
    }
}

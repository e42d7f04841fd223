package dev.ephemera.relay;

import static org.awaitility.Awaitility.await;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ephemera.ratelimit.SessionPlaceStore;
import dev.ephemera.support.Broker;
import dev.ephemera.support.BrokerExtension;
import dev.ephemera.support.FakeUpstream;
import dev.ephemera.support.TestRedis;
import dev.ephemera.support.WsClient;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.MediaType;
import java.net.http.WebSocketHandshakeException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * SPEC §4 and §7: a refused handshake costs neither a use nor a session place, and session places are leases that a
 * registered session holds as long as it may last and an unregistered one (a replica that crashed before) outlives
 * by at most one lease (a registered one of a crashed replica: {@code session.DeadReplicaTest}).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SessionPlacesTest {

    @RegisterExtension
    static final BrokerExtension ENV = BrokerExtension.onRedis().withFakeProvider(fake -> Map.of(
            "ephemera.providers.openai.realtime-url", fake.websocketBase("sdk") + "/realtime"))
            .with("ephemera.rate-limits.max-concurrent-sessions-per-key", 1)
            .with("ephemera.relay.session-lease", "3s");
    private FakeUpstream fake;
    private Broker broker;
    private String key;
    private String ws;

    @BeforeAll
    void start() {
        fake = ENV.fake();
        broker = ENV.broker();
        key = ENV.secret(broker.createKey("write", "read"));
        ws = broker.url().replaceFirst("^http", "ws") + "/v1/realtime";
    }

    private String token(String model) {
        return broker.mint(key, Map.of("provider", "openai", "model", model)).string("value");
    }

    private WsClient open(String token, String query) throws Exception {
        return WsClient.connect(ws + query, List.of("ephemera", "ephemera-token." + token), Map.of());
    }

    private int refusal(String token, String query) {
        Throwable e = org.assertj.core.api.Assertions.catchThrowable(() -> open(token, query));
        assertThat(e).hasCauseInstanceOf(WebSocketHandshakeException.class);
        return ((WebSocketHandshakeException) e.getCause()).getResponse().statusCode();
    }

    /** Whether the broker has a key for {@code provider} now, as GET /v1/admin/providers says. */
    @SuppressWarnings("unchecked")
    static boolean enabled(Broker broker, String provider) {
        List<Map<String, Object>> data = (List<Map<String, Object>>) broker.get("/v1/admin/providers",
                Broker.ADMIN_KEY).json().get("data");
        return data.stream().anyMatch(p -> provider.equals(p.get("name")) && Boolean.TRUE.equals(p.get("enabled")));
    }

    private boolean active(String token) {
        return Boolean.TRUE.equals(broker.introspect(key, token).json().get("active"));
    }

    private String keyId(String token) {
        return (String) broker.introspect(key, token).json().get("client_id");
    }

    /** Waits until a new token of the key opens a session (a place is free), and ends that session. */
    private void awaitOpens(String model) {
        WsClient opened = await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(250))
                .ignoreExceptions().until(() -> open(token(model), ""), c -> true);
        opened.socket.sendClose(1000, "");
    }

    @Test
    void aRefusalAtTheSessionCapCostsTheTokenNothing() throws Exception {
        WsClient first = open(token("gpt-realtime"), "");
        String second = token("gpt-realtime");
        assertThat(refusal(second, "")).isEqualTo(429);
        assertThat(active(second)).as("the refused token keeps its use").isTrue();
        first.socket.sendClose(1000, "").get();
        awaitOpens("gpt-realtime");
    }

    @Test
    void aRefusalForAnotherModelGivesItsPlaceBack() throws Exception {
        String token = token("gpt-realtime");
        assertThat(refusal(token, "?model=gpt-4o")).isEqualTo(403);
        assertThat(active(token)).isTrue();
        // The one place the handshake took for a moment is free: the same token opens at once.
        WsClient opened = open(token, "?model=gpt-realtime");
        opened.socket.sendClose(1000, "").get();
        awaitOpens("gpt-realtime");
    }

    @Test
    void aSpentTokenIsRefusedForItsUsageAndGivesBackThePlaceAskedAlongside() throws Exception {
        Broker.Reply minted = broker.mint(key, Map.of("provider", "openai", "model", "gpt-realtime", "max_uses", 2,
                "limits", Map.of("max_total_tokens", 1)));
        String token = minted.string("value");
        WsClient first = open(token, "");
        first.socket.sendText("{\"type\":\"response.create\"}", true).get(5, TimeUnit.SECONDS);
        assertThat(first.closeCode.get(10, TimeUnit.SECONDS)).as("its one token spent").isEqualTo(1008);
        awaitOpens("gpt-realtime");

        // The usage is read and the key's one place taken at once; the usage refuses, the place is given back
        // (a place kept would hold its 3 s lease).
        assertThat(refusal(token, "")).isEqualTo(429);
        assertThat(broker.introspect(key, token).json()).as("the use kept").containsEntry("uses_left", 1);
        WsClient next = await().atMost(Duration.ofMillis(1500)).pollInterval(Duration.ofMillis(100))
                .ignoreExceptions().until(() -> open(token("gpt-realtime"), ""), c -> true);
        next.socket.sendClose(1000, "").get();
        awaitOpens("gpt-realtime");
    }

    @Test
    void aLiveSessionKeepsItsPlacePastTheLeaseAndAnEndedOneFreesIt() throws Exception {
        WsClient live = open(token("gpt-realtime"), "");
        // Time passing is the point: past the 3 s lease, which the live session's registration extends (once).
        Thread.sleep(Duration.ofSeconds(5));
        String waiting = token("gpt-realtime");
        assertThat(refusal(waiting, "")).as("renewed, so still held").isEqualTo(429);
        live.socket.sendClose(1000, "").get();
        awaitOpens("gpt-realtime");
    }

    @Test
    void theSessionPlacesOfACrashedReplicaExpireOnTheirOwn() throws Exception {
        String token = token("gpt-realtime");
        // What a replica that died mid-session leaves: a place that nobody renews or gives back.
        SessionPlaceStore store = broker.context().getBean(SessionPlaceStore.class);
        assertThat(store.open(keyId(token), "ses_of_a_crashed_replica", 1, Duration.ofSeconds(3))
                .toCompletableFuture().join()).isTrue();
        assertThat(refusal(token, "")).isEqualTo(429);
        assertThat(active(token)).isTrue();
        long started = System.nanoTime();
        awaitOpens("gpt-realtime");
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(10));
    }

    @Test
    void aProviderWithoutAKeyIsRefusedBeforeTheUseOnEveryRelay() throws Exception {
        Path keyFile = Files.createTempFile("ephemera-xai", ".key");
        Files.writeString(keyFile, "sk-test-xai\n");
        try (Broker b = Broker.onRedis(TestRedis.uri(), Map.of(
                "ephemera.providers.xai.api-key-file", keyFile.toString(),
                "ephemera.providers.xai.base-url", fake.base("xai")))) {
            String k = b.createKey("write", "read");
            String realtime = b.mint(k, Map.of("provider", "xai")).string("value");
            String webrtc = b.mint(k, Map.of("provider", "xai")).string("value");
            String http = b.mint(k, Map.of("provider", "xai")).string("value");
            Files.delete(keyFile);
            // The key file is re-read at most once a second.
            await().atMost(Duration.ofSeconds(10)).until(() -> !enabled(b, "xai"));

            Throwable e = org.assertj.core.api.Assertions.catchThrowable(() -> WsClient.connect(
                    b.url().replaceFirst("^http", "ws") + "/v1/realtime",
                    List.of("ephemera", "ephemera-token." + realtime), Map.of()));
            assertThat(((WebSocketHandshakeException) e.getCause()).getResponse().statusCode()).isEqualTo(502);
            var call = b.send(HttpRequest.POST("/v1/realtime/calls", "v=0\r\n")
                    .contentType(new MediaType("application/sdp")).bearerAuth(webrtc));
            assertThat(call.code()).isEqualTo("provider_not_configured");
            var relayed = b.send(HttpRequest.POST("/v1/proxy/xai/chat/completions", "{}")
                    .contentType(MediaType.APPLICATION_JSON_TYPE).bearerAuth(http));
            assertThat(relayed.code()).isEqualTo("provider_not_configured");
            for (String token : List.of(realtime, webrtc, http)) {
                assertThat(b.introspect(k, token).json()).as("use kept").containsEntry("active", true);
            }
            assertThat(fake.recorder().requests).noneMatch(seen -> seen.path().startsWith("/fake/xai"));
        } finally {
            Files.deleteIfExists(keyFile);
        }
    }
}

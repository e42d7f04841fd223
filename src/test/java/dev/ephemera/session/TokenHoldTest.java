package dev.ephemera.session;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ephemera.support.Broker;
import dev.ephemera.support.BrokerExtension;
import dev.ephemera.support.WsClient;
import dev.ephemera.token.TokenStore;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A token is kept while a session it opened lasts, and no longer (issue 29: 4,904 token keys were held ~25 min
 * after their sessions closed). Time is the broker's clock, moved by hand; the heartbeat (every 2 s) sees it.
 */
class TokenHoldTest {

    @RegisterExtension
    static final BrokerExtension ENV = BrokerExtension.inMemory().withFakeProvider();

    private record Opened(String tokenId, WsClient client) {
    }

    private Opened open(Broker broker, String key) throws Exception {
        Broker.Reply minted = broker.mint(key, Map.of("provider", "openai", "ttl_seconds", 60));
        WsClient client = WsClient.connect(broker.url().replaceFirst("^http", "ws") + "/v1/realtime",
                List.of("ephemera", "ephemera-token." + ENV.secret(minted.string("value"))), Map.of());
        String tokenId = minted.string("id");
        await().atMost(Duration.ofSeconds(5)).until(() -> broker.get("/v1/sessions", key).body().contains(tokenId));
        return new Opened(tokenId, client);
    }

    private static boolean kept(Broker broker, String tokenId) {
        return broker.context().getBean(TokenStore.class).findById(tokenId).toCompletableFuture().join()
                .isPresent();
    }

    @Test
    void aSessionThatOutlastsItsTokenKeepsItRevocableUntilItEndsAndThenNoLonger() throws Exception {
        Broker broker = ENV.broker();
        String key = ENV.secret(broker.createKey("write", "read"));
        Opened first = open(broker, key);
        Opened second = open(broker, key);
        broker.clock().advance(Duration.ofMinutes(2));
        // Past the token's expiry and the 30 s the store keeps it after: only the sessions' hold keeps them.
        await().atMost(Duration.ofSeconds(5)).until(() -> kept(broker, first.tokenId())
                && kept(broker, second.tokenId()));
        assertThat(broker.delete("/v1/tokens/" + first.tokenId(), key).status()).isEqualTo(204);
        assertThat(first.client().closeCode.get(5, TimeUnit.SECONDS)).isEqualTo(1008);
        await().atMost(Duration.ofSeconds(5)).until(() -> !kept(broker, first.tokenId()));
        second.client().socket.sendClose(1000, "").get(5, TimeUnit.SECONDS);
        await().atMost(Duration.ofSeconds(5)).until(() -> !kept(broker, second.tokenId()));
        // Its receipt still answers.
        assertThat(broker.get("/v1/tokens/" + second.tokenId(), key).body()).contains("\"closed\"");
    }

    @Test
    void aSessionThatEndsBeforeItsTokenExpiresLeavesItToItsOwnExpiry() throws Exception {
        Broker broker = ENV.broker();
        String key = ENV.secret(broker.createKey("write", "read"));
        Opened opened = open(broker, key);
        opened.client().socket.sendClose(1000, "").get(5, TimeUnit.SECONDS);
        await().atMost(Duration.ofSeconds(5)).until(() -> !broker.get("/v1/sessions", key).body()
                .contains(opened.tokenId()));
        broker.clock().advance(Duration.ofMinutes(2));
        assertThat(kept(broker, opened.tokenId())).isFalse();
    }
}

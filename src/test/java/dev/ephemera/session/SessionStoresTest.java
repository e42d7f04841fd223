package dev.ephemera.session;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ephemera.secret.Secrets;
import dev.ephemera.support.Broker;
import dev.ephemera.support.TestRedis;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * Both session stores: a token revoked after a session's redemption but before its registration finds no session
 * to end; registering the session then answers why the token was revoked, so that it ends anyway.
 */
class SessionStoresTest {

    private static void revokedBeforeRegistration(SessionStore store) {
        Instant now = Instant.now();
        TokenFacts token = new TokenFacts("tok_" + Secrets.randomBase62(24), "key_" + Secrets.randomBase62(16),
                "openai", null, null, null, "opaque", 1, 0, now, now.plusSeconds(60));
        LiveSession session = new LiveSession("ses_" + Secrets.randomBase62(24), token.id(), token.keyId(), "openai",
                null, null, null, now.getEpochSecond(), Usage.NONE);
        assertThat(store.open(session, token, Duration.ofSeconds(15)).toCompletableFuture().join()).isEmpty();

        TokenFacts revoked = new TokenFacts("tok_" + Secrets.randomBase62(24), token.keyId(), "openai", null, null,
                null, "opaque", 1, 0, now, now.plusSeconds(60));
        assertThat(store.revoked(revoked, now.getEpochSecond(), "key_revoked").toCompletableFuture().join())
                .as("no session to end yet").isZero();
        LiveSession late = new LiveSession("ses_" + Secrets.randomBase62(24), revoked.id(), revoked.keyId(),
                "openai", null, null, null, now.getEpochSecond(), Usage.NONE);
        assertThat(store.open(late, revoked, Duration.ofSeconds(15)).toCompletableFuture().join())
                .isEqualTo(Optional.of("key_revoked"));
    }

    @Test
    void onRedis() {
        try (Broker broker = Broker.onRedis(TestRedis.uri(), Map.of())) {
            revokedBeforeRegistration(broker.context().getBean(SessionStore.class));
        }
    }

    @Test
    void inMemory() {
        try (Broker broker = Broker.inMemory(Map.of())) {
            revokedBeforeRegistration(broker.context().getBean(SessionStore.class));
        }
    }
}

package dev.ephemera.token;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ephemera.auth.Caller;
import dev.ephemera.auth.Permission;
import dev.ephemera.error.BrokerException;
import dev.ephemera.error.ErrorCode;
import io.micronaut.json.tree.JsonNode;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import org.junit.jupiter.api.Test;

/**
 * Redeeming on the in-memory stores with a frozen clock, no application context: a presented token is read once
 * (its hash, and a JWT's signature), garbage costs no lookup, and a refusal takes no use.
 */
class TokenRedeemerTest {

    private static final Caller KEY = Caller.apiKey("key_1", Set.of(Permission.WRITE), List.of(), List.of(), null,
            null);

    private final Minting minting = new Minting(100, 100);

    private String mint(MintRequest.Builder request) {
        return minting.minter.mint(KEY, request.build(), Admission.CALLER).toCompletableFuture().join().value();
    }

    private static ErrorCode refused(CompletionStage<?> stage) {
        try {
            stage.toCompletableFuture().join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof BrokerException b) {
                return b.errorCode();
            }
            throw e;
        }
        throw new AssertionError("not refused");
    }

    private PresentedToken present(String value) {
        return minting.redeemer.present(value);
    }

    @Test
    void aUseIsTakenOnceAndTheNextIsRefused() {
        String token = mint(MintRequest.builder("openai", Duration.ofSeconds(60)));

        RedeemedToken redeemed = minting.redeemer.consume(present(token), Binding.NONE, "relay", null)
                .toCompletableFuture().join();
        assertThat(redeemed.usesLeft()).isZero();
        assertThat(refused(minting.redeemer.consume(present(token), Binding.NONE, "relay", null)))
                .isEqualTo(ErrorCode.TOKEN_ALREADY_USED);
    }

    @Test
    void aTokenPastItsExpiryOnTheClockIsExpiredAndLooksInactive() {
        String token = mint(MintRequest.builder("openai", Duration.ofSeconds(60)));
        minting.clock.advance(Duration.ofSeconds(61));

        assertThat(minting.redeemer.look(present(token)).toCompletableFuture().join()).isEmpty();
        assertThat(refused(minting.redeemer.consume(present(token), Binding.NONE, "relay", null)))
                .isEqualTo(ErrorCode.EXPIRED_TOKEN);
    }

    @Test
    void aBindingThatDoesNotMatchTakesNoUse() {
        String token = mint(MintRequest.builder("openai", Duration.ofSeconds(60)).model("gpt-realtime"));

        assertThat(refused(minting.redeemer.consume(present(token), new Binding("openai", "other-model", null),
                "relay", null))).isEqualTo(ErrorCode.MODEL_NOT_ALLOWED);
        assertThat(minting.redeemer.look(present(token)).toCompletableFuture().join())
                .hasValueSatisfying(live -> assertThat(live.usesLeft()).isOne());
    }

    @Test
    void garbageAndForgeriesCostNoLookup() {
        String jwt = mint(MintRequest.builder("openai", Duration.ofSeconds(60)).format(TokenFormat.JWT));
        String forged = jwt.substring(0, jwt.length() - 2) + (jwt.endsWith("AA") ? "BB" : "AA");

        for (String garbage : new String[] {null, "", "eph_x", forged, "Bearer " + jwt}) {
            PresentedToken presented = present(garbage);
            assertThat(presented.wellFormed()).isFalse();
            assertThat(minting.redeemer.look(presented).toCompletableFuture().join()).isEmpty();
            assertThat(refused(minting.redeemer.consume(presented, Binding.NONE, "relay", null)))
                    .isEqualTo(ErrorCode.INVALID_TOKEN);
        }
        assertThat(minting.store.finds).hasValue(0);
        assertThat(minting.store.consumes).hasValue(0);
    }

    @Test
    void aLookAndTheUseThatFollowsShareOneReadingOfTheStoredSessionConfig() {
        String token = mint(MintRequest.builder("openai", Duration.ofSeconds(60)).format(TokenFormat.JWT)
                .session(JsonNode.from(Map.of("instructions", "Be brief.", "voice", "alloy")))
                .lockedFields(List.of("instructions")));
        PresentedToken presented = present(token);

        RedeemedToken looked = minting.redeemer.look(presented).toCompletableFuture().join().orElseThrow();
        RedeemedToken used = minting.redeemer.consume(presented, Binding.NONE, "relay", null).toCompletableFuture()
                .join();
        assertThat(used.session()).isSameAs(looked.session());
        assertThat(used.session().fields()).containsEntry("instructions", "Be brief.").containsEntry("voice",
                "alloy");
        assertThat(used.lockedFields()).containsExactly("instructions");
    }
}

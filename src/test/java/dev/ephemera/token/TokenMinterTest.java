package dev.ephemera.token;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ephemera.auth.Caller;
import dev.ephemera.auth.KeyBudget;
import dev.ephemera.auth.Permission;
import dev.ephemera.error.BrokerException;
import dev.ephemera.error.ErrorCode;
import dev.ephemera.error.RateLimitedException;
import dev.ephemera.secret.Secrets;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import org.junit.jupiter.api.Test;

/**
 * Minting on the in-memory stores with a frozen clock, no application context: the minter admits (its one entry
 * takes the door's {@link Admission}), makes the value through {@link TokenStrategy}, and keeps only its hash.
 */
class TokenMinterTest {

    private static final Caller KEY = Caller.apiKey("key_1", Set.of(Permission.WRITE), List.of(), List.of(), null,
            null);

    private static MintedToken done(CompletionStage<MintedToken> minted) {
        return minted.toCompletableFuture().join();
    }

    private static Throwable refusal(CompletionStage<MintedToken> minted) {
        try {
            minted.toCompletableFuture().join();
        } catch (CompletionException e) {
            return e.getCause();
        }
        throw new AssertionError("the mint was not refused");
    }

    private static MintRequest openai() {
        return MintRequest.builder("openai", Duration.ofSeconds(60)).model("gpt-realtime").build();
    }

    @Test
    void anOpaqueTokenIsKeptUnderItsHashOnlyAndLivesItsTtlFromTheClock() {
        Minting minting = new Minting(10, 10);
        MintedToken minted = done(minting.minter.mint(KEY, openai(), Admission.CALLER));

        assertThat(minted.value()).startsWith("eph_");
        TokenRecord record = minting.store.saved.getFirst();
        assertThat(record.secretHash()).isEqualTo(Secrets.sha256Hex(minted.value())).isNotEqualTo(minted.value());
        assertThat(record.expiresAt()).isEqualTo(minting.clock.instant().truncatedTo(
                java.time.temporal.ChronoUnit.MILLIS).plusSeconds(60));
        assertThat(record.keyId()).isEqualTo("key_1");
        assertThat(record.maxUses()).isOne();
    }

    @Test
    void aRefusedAdmissionDiscardsTheOpaqueRecordThatWasSavedAlongside() {
        Minting minting = new Minting(1, 10);
        done(minting.minter.mint(KEY, openai(), Admission.CALLER));

        assertThat(refusal(minting.minter.mint(KEY, openai(), Admission.CALLER)))
                .isInstanceOf(RateLimitedException.class);
        assertThat(minting.store.saved).hasSize(2);
        assertThat(minting.store.discarded).containsExactly(minting.store.saved.get(1));
    }

    @Test
    void aJwtIsSignedAndSavedOnlyOnceAdmitted() {
        Minting minting = new Minting(1, 10);
        MintRequest jwt = MintRequest.builder("openai", Duration.ofSeconds(60)).format(TokenFormat.JWT).build();
        MintedToken minted = done(minting.minter.mint(KEY, jwt, Admission.CALLER));
        assertThat(minting.strategy.read(minted.value()).wellFormed()).isTrue();

        assertThat(refusal(minting.minter.mint(KEY, jwt, Admission.CALLER))).isInstanceOf(RateLimitedException.class);
        assertThat(minting.store.saved).hasSize(1);
        assertThat(minting.store.discarded).isEmpty();
    }

    @Test
    void aBrowserMintCountsItsClientAddressFirstAndABackendMintDoesNot() {
        Minting minting = new Minting(10, 1);
        Caller first = KEY.at("203.0.113.7");
        Caller second = Caller.apiKey("key_2", Set.of(Permission.WRITE), List.of(), List.of(), null, null)
                .at("203.0.113.7");
        done(minting.minter.mint(first, openai(), Admission.BROWSER));

        assertThat(refusal(minting.minter.mint(second, openai(), Admission.BROWSER)))
                .isInstanceOf(RateLimitedException.class).hasMessageContaining("client address");
        done(minting.minter.mint(second, openai(), Admission.CALLER));
    }

    @Test
    void aKeyWhoseDailyBudgetIsSpentMintsNothing() {
        Minting minting = new Minting(10, 10);
        Caller budgeted = Caller.apiKey("key_3", Set.of(Permission.WRITE), List.of(), List.of(), null,
                new KeyBudget(1000L, null, null));
        minting.spentToday.set(1000);

        assertThat(refusal(minting.minter.mint(budgeted, openai(), Admission.CALLER)))
                .isInstanceOfSatisfying(BrokerException.class,
                        e -> assertThat(e.errorCode()).isEqualTo(ErrorCode.QUOTA_EXCEEDED));
        assertThat(minting.store.saved).allSatisfy(r -> assertThat(minting.store.discarded).contains(r));
    }

    @Test
    void aTokenCarriesItsKeysBudgetsOfMoneyWithoutShowingThem() {
        Minting minting = new Minting(10, 10);
        Caller budgeted = Caller.apiKey("key_5", Set.of(Permission.WRITE), List.of(), List.of(), null,
                new KeyBudget(null, 2_000_000L, 50_000_000L));
        MintRequest limited = MintRequest.builder("openai", Duration.ofSeconds(60))
                .limits(UsageLimits.NONE.withMaxCost(500_000L)).build();

        MintedToken minted = done(minting.minter.mint(budgeted, limited, Admission.CALLER));
        UsageLimits stored = minting.store.saved.getFirst().limits();
        assertThat(stored.maxCostMicros()).isEqualTo(500_000L);
        assertThat(stored.keyMicrosPerDay()).isEqualTo(2_000_000L);
        assertThat(stored.keyMicrosPerMonth()).isEqualTo(50_000_000L);
        assertThat(minted.limits()).isEqualTo(UsageLimits.NONE.withMaxCost(500_000L));
        assertThat(done(minting.minter.mint(budgeted, openai(), Admission.CALLER)).limits())
                .as("the key's budgets are the key's business, not the mint answer's").isNull();
    }

    @Test
    void aKeyWhoseMoneyIsSpentMintsNothingAndIsToldWhichBudget() {
        Minting minting = new Minting(10, 10);
        Caller budgeted = Caller.apiKey("key_6", Set.of(Permission.WRITE), List.of(), List.of(), null,
                new KeyBudget(null, 2_000_000L, null));
        minting.moneyLeft.set(0);

        assertThat(refusal(minting.minter.mint(budgeted, openai(), Admission.CALLER)))
                .isInstanceOfSatisfying(BrokerException.class, e -> {
                    assertThat(e.errorCode()).isEqualTo(ErrorCode.QUOTA_EXCEEDED);
                    assertThat(e.getMessage()).contains("'budget.usd_per_day'");
                });
        assertThat(minting.store.saved).allSatisfy(r -> assertThat(minting.store.discarded).contains(r));
        minting.moneyLeft.set(1);
        done(minting.minter.mint(budgeted, openai(), Admission.CALLER));
    }

    @Test
    void aSubjectWhoseMoneyIsSpentGetsNoTokenWhileTheKeyStillMints() {
        Minting minting = new Minting(10, 10);
        MintRequest forAlice = MintRequest.builder("openai", Duration.ofSeconds(60)).subject("alice")
                .limits(UsageLimits.NONE.withSubjectBudget(2_000_000L)).build();
        minting.moneyLeft.set(0);

        assertThat(refusal(minting.minter.mint(KEY.at("203.0.113.9"), forAlice, Admission.BROWSER)))
                .isInstanceOfSatisfying(BrokerException.class, e -> {
                    assertThat(e.errorCode()).isEqualTo(ErrorCode.QUOTA_EXCEEDED);
                    assertThat(e.getMessage()).contains("user's budget").doesNotContain("alice");
                });
        done(minting.minter.mint(KEY, openai(), Admission.CALLER));
    }

    @Test
    void aLimitOfMoneyOnAModelWithoutAPriceIsRefusedBeforeAnythingIsStoredOrCounted() {
        Minting minting = new Minting(1, 10);
        minting.measurable.set(false);
        Caller budgeted = Caller.apiKey("key_7", Set.of(Permission.WRITE), List.of(), List.of(), null,
                new KeyBudget(null, null, 9_000_000L));
        MintRequest ownLimit = MintRequest.builder("openai", Duration.ofSeconds(60)).model("gpt-unpriced")
                .limits(UsageLimits.NONE.withMaxCost(1L)).build();
        MintRequest upstream = MintRequest.builder("openai", Duration.ofSeconds(60)).mode(TokenMode.UPSTREAM).build();

        for (Caller caller : List.of(KEY, budgeted)) {
            MintRequest request = caller == KEY ? ownLimit : MintRequest.builder("openai", Duration.ofSeconds(60))
                    .model("gpt-unpriced").build();
            assertThat(refusal(minting.minter.mint(caller, request, Admission.CALLER)))
                    .isInstanceOfSatisfying(BrokerException.class,
                            e -> assertThat(e.errorCode()).isEqualTo(ErrorCode.USAGE_NOT_MEASURABLE));
        }
        assertThat(refusal(minting.minter.mint(budgeted, upstream, Admission.CALLER)))
                .isInstanceOfSatisfying(BrokerException.class, e -> {
                    assertThat(e.errorCode()).isEqualTo(ErrorCode.USAGE_NOT_MEASURABLE);
                    assertThat(e.param()).isEqualTo("mode");
                });
        assertThat(minting.store.saved).isEmpty();
        // Refusals counted no mint (one a minute per key here). Without a model the HTTP relay judges each request;
        // without a limit of money no price is needed.
        done(minting.minter.mint(budgeted, MintRequest.builder("openai", Duration.ofSeconds(60)).build(),
                Admission.CALLER));
        done(minting.minter.mint(KEY, MintRequest.builder("openai", Duration.ofSeconds(60)).model("gpt-unpriced")
                .build(), Admission.CALLER));
    }

    @Test
    void aProviderTheKeyMayNotUseIsRefusedBeforeAnythingIsMadeOrCounted() {
        Minting minting = new Minting(1, 10);
        Caller narrow = Caller.apiKey("key_4", Set.of(Permission.WRITE), List.of(), List.of("anthropic"), null,
                null);

        assertThat(refusal(minting.minter.mint(narrow, openai(), Admission.CALLER)))
                .isInstanceOfSatisfying(BrokerException.class,
                        e -> assertThat(e.errorCode()).isEqualTo(ErrorCode.PROVIDER_NOT_ALLOWED));
        assertThat(minting.store.saved).isEmpty();
        done(minting.minter.mint(KEY.at("198.51.100.1"), openai(), Admission.CALLER));
    }

    @Test
    void aSessionConfigTheStrictParserWouldRefuseIsRefusedAtMintNotAfterAUse() {
        Minting minting = new Minting(10, 10);
        MintRequest lone = MintRequest.builder("openai", Duration.ofSeconds(60)).maxUses(3)
                .session(io.micronaut.json.tree.JsonNode.createObjectNode(java.util.Map.of("instructions",
                        io.micronaut.json.tree.JsonNode.createStringNode("a\ud800b"))))
                .build();

        assertThat(refusal(minting.minter.mint(KEY, lone, Admission.CALLER)))
                .isInstanceOfSatisfying(BrokerException.class, e -> {
                    assertThat(e.errorCode()).isEqualTo(ErrorCode.INVALID_REQUEST);
                    assertThat(e.param()).isEqualTo("session");
                });
        assertThat(minting.store.saved).isEmpty();
    }
}

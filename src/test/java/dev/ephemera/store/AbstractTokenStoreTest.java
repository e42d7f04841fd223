package dev.ephemera.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ephemera.secret.Secrets;
import dev.ephemera.token.Binding;
import dev.ephemera.token.Presented;
import dev.ephemera.token.Redemption.Outcome;
import dev.ephemera.token.Redemption;
import dev.ephemera.token.TokenFormat;
import dev.ephemera.token.TokenMode;
import dev.ephemera.token.TokenRecord;
import dev.ephemera.token.TokenStore;
import dev.ephemera.token.UsageLimits;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The {@link TokenStore} contract; every implementation runs it through a subclass. */
public abstract class AbstractTokenStoreTest {

    /** The store under test. */
    protected abstract TokenStore store();

    /** The store's answer, waited for: these tests check what the store does, one step at a time. */
    private static <T> T now(java.util.concurrent.CompletionStage<T> stage) {
        return stage.toCompletableFuture().join();
    }

    public static TokenRecord record(int uses, Instant expiresAt) {
        String id = "tok_" + Secrets.randomBase62(24);
        return new TokenRecord(id, Secrets.sha256Hex(Secrets.randomBase62(43)), TokenFormat.OPAQUE, TokenMode.RELAY,
                "openai", "gpt-realtime", "user-1", "https://app.example.com", uses, uses,
                Instant.now().truncatedTo(ChronoUnit.MILLIS), expiresAt.truncatedTo(ChronoUnit.MILLIS),
                "{\"voice\":\"alloy\"}", List.of("voice"), "key_AAAAAAAAAAAAAAAA", 600,
                List.of("POST /chat/completions", "POST /responses"), new UsageLimits(20_000L, 300L, 50L),
                "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
    }

    private static Instant inAMinute() {
        return Instant.now().plus(Duration.ofMinutes(1));
    }

    @Test
    void savedRecordIsFoundByHashAndIdUnchanged() {
        TokenRecord r = record(2, inAMinute());
        now(store().save(r));
        assertThat(now(store().find(r.secretHash()))).contains(r);
        assertThat(now(store().findById(r.id()))).contains(r);
        assertThat(now(store().find(Secrets.sha256Hex("other")))).isEmpty();
    }

    @Test
    void textBeyondAsciiComesBackByteForByte() {
        // Session instructions and subjects are user text: accents, CJK, emoji (a surrogate pair) and a NUL-free
        // mix of one- to four-byte UTF-8 sequences must survive the store's encoding both ways.
        TokenRecord base = record(2, inAMinute());
        TokenRecord r = new TokenRecord(base.id(), base.secretHash(), base.format(), base.mode(), base.provider(),
                "modèle-ß", "usér-李-🎧", base.origin(), 2, 2, base.issuedAt(), base.expiresAt(),
                "{\"instructions\":\"Réponds en français, 日本語も, 🎙️ ok\"}", base.lockedFields(), base.keyId(),
                base.maxSessionSeconds(), base.endpoints(), base.limits(), null);
        now(store().save(r));
        assertThat(now(store().find(r.secretHash()))).contains(r);
        assertThat(now(store().consume(r.secretHash(), Binding.NONE, Instant.now())).record())
                .isEqualTo(r.withUsesLeft(1));
    }

    @Test
    void consumeTakesUsesUntilNoneAreLeft() {
        TokenRecord r = record(2, inAMinute());
        now(store().save(r));
        Redemption first = now(store().consume(r.secretHash(), Binding.NONE, Instant.now()));
        assertThat(first.outcome()).isEqualTo(Outcome.REDEEMED);
        assertThat(first.record().usesLeft()).isEqualTo(1);
        assertThat(now(store().consume(r.secretHash(), Binding.NONE, Instant.now())).record().usesLeft()).isZero();
        Redemption third = now(store().consume(r.secretHash(), Binding.NONE, Instant.now()));
        assertThat(third.outcome()).isEqualTo(Outcome.USED_UP);
        assertThat(third.record().id()).isEqualTo(r.id());
    }

    /** Kept {@link TokenStore#RETENTION_AFTER_EXPIRY} past its expiry (told expired), forgotten after it. */
    @Test
    void anExpiredRecordIsKeptForItsRetentionThenForgotten() {
        TokenRecord late = record(1, Instant.now().minus(TokenStore.RETENTION_AFTER_EXPIRY).plusSeconds(10));
        TokenRecord gone = record(1, Instant.now().minus(TokenStore.RETENTION_AFTER_EXPIRY).minusSeconds(10));
        now(store().save(late));
        now(store().save(gone));
        assertThat(now(store().find(late.secretHash()))).contains(late);
        assertThat(now(store().consume(late.secretHash(), Binding.NONE, Instant.now())).outcome())
                .isEqualTo(Outcome.EXPIRED);
        assertThat(now(store().find(gone.secretHash()))).isEmpty();
        assertThat(now(store().findById(gone.id()))).isEmpty();
        assertThat(now(store().consume(gone.secretHash(), Binding.NONE, Instant.now())).outcome())
                .isEqualTo(Outcome.UNKNOWN);
    }

    @Test
    void consumeOfUnknownTokenSaysUnknown() {
        assertThat(now(store().consume(Secrets.sha256Hex("nothing"), Binding.NONE, Instant.now())).outcome())
                .isEqualTo(Outcome.UNKNOWN);
    }

    @Test
    void expiredTokenIsNotConsumedFromItsExpiryOn() {
        Instant expiry = inAMinute();
        TokenRecord r = record(1, expiry);
        now(store().save(r));
        assertThat(now(store().consume(r.secretHash(), Binding.NONE, r.expiresAt())).outcome())
                .isEqualTo(Outcome.EXPIRED);
        assertThat(now(store().consume(r.secretHash(), Binding.NONE, r.expiresAt().minusMillis(1))).outcome())
                .isEqualTo(Outcome.REDEEMED);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("mismatches")
    void bindingMismatchConsumesNothing(String field, Binding expected) {
        TokenRecord r = record(1, inAMinute());
        now(store().save(r));
        Redemption mismatch = now(store().consume(r.secretHash(), expected, Instant.now()));
        assertThat(mismatch.outcome()).isEqualTo(Outcome.MISMATCH);
        assertThat(mismatch.mismatch().wireName()).isEqualTo(field);
        Binding right = new Binding("openai", "gpt-realtime", "https://app.example.com",
                List.of("GET /models", "POST /responses"));
        assertThat(now(store().consume(r.secretHash(), right, Instant.now())).outcome()).isEqualTo(Outcome.REDEEMED);
    }

    static Stream<Arguments> mismatches() {
        return Stream.of(
                Arguments.of("provider", new Binding("anthropic", null, null)),
                Arguments.of("model", new Binding("openai", "gpt-4o", null)),
                Arguments.of("model", new Binding("openai", Presented.NOTHING, Presented.UNCHECKED, null, true)),
                Arguments.of("model", new Binding("openai", "", null)),
                Arguments.of("origin", new Binding(null, null, "https://evil.example")),
                Arguments.of("origin", new Binding(null, Presented.UNCHECKED, Presented.NOTHING, null, true)),
                Arguments.of("endpoint", new Binding("openai", "gpt-realtime", null, List.of("POST /embeddings"))),
                Arguments.of("endpoint", new Binding(null, null, null, List.of())),
                // one endpoint must match whole: a prefix or a part of another is none
                Arguments.of("endpoint", new Binding(null, null, null, List.of("POST /chat", "POST /responses/x"))),
                // the record has limits: a request whose usage cannot be measured is not for it
                Arguments.of("usage", new Binding(null, null, null, null, false)));
    }

    @Test
    void aTokenWithoutLimitsTakesARequestItCannotMeasure() {
        TokenRecord limited = record(1, inAMinute());
        TokenRecord r = new TokenRecord(limited.id(), limited.secretHash(), limited.format(), limited.mode(),
                limited.provider(), limited.model(), limited.subject(), limited.origin(), 1, 1, limited.issuedAt(),
                limited.expiresAt(), limited.sessionJson(), limited.lockedFields(), limited.keyId(),
                limited.maxSessionSeconds(), limited.endpoints(), UsageLimits.NONE, null);
        now(store().save(r));
        assertThat(now(store().consume(r.secretHash(), new Binding(null, null, null, null, false), Instant.now()))
                .outcome()).isEqualTo(Outcome.REDEEMED);
    }

    /** A token's own limit of money and the budgets of its key and subject travel with it, to every replica. */
    @Test
    void limitsOfMoneyComeBackAsTheyWereSaved() {
        UsageLimits money = UsageLimits.NONE.withMaxCost(500_000L).withKeyBudgets(2_000_000L, 30_000_001L)
                .withSubjectBudget(1L);
        TokenRecord r = withLimits(record(2, inAMinute()), money);
        now(store().save(r));
        assertThat(now(store().find(r.secretHash()))).contains(r);
        assertThat(now(store().findById(r.id())).orElseThrow().limits()).isEqualTo(money);
        assertThat(now(store().consume(r.secretHash(), Binding.NONE, Instant.now())).record().limits())
                .isEqualTo(money);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("moneyOnly")
    void aTokenLimitedOnlyInMoneyRefusesARequestItCannotMeasure(String which, UsageLimits limits) {
        TokenRecord r = withLimits(record(1, inAMinute()), limits);
        now(store().save(r));
        Redemption refused = now(store().consume(r.secretHash(), new Binding(null, null, null, null, false),
                Instant.now()));
        assertThat(refused.outcome()).isEqualTo(Outcome.MISMATCH);
        assertThat(refused.mismatch().wireName()).isEqualTo("usage");
        assertThat(now(store().consume(r.secretHash(), Binding.NONE, Instant.now())).outcome())
                .isEqualTo(Outcome.REDEEMED);
    }

    static Stream<Arguments> moneyOnly() {
        return Stream.of(
                Arguments.of("max_cost_usd", UsageLimits.NONE.withMaxCost(1L)),
                Arguments.of("key per day", UsageLimits.NONE.withKeyBudgets(1L, null)),
                Arguments.of("key per month", UsageLimits.NONE.withKeyBudgets(null, 1L)),
                Arguments.of("subject per day", UsageLimits.NONE.withSubjectBudget(1L)));
    }

    private static TokenRecord withLimits(TokenRecord r, UsageLimits limits) {
        return new TokenRecord(r.id(), r.secretHash(), r.format(), r.mode(), r.provider(), r.model(), r.subject(),
                r.origin(), r.maxUses(), r.usesLeft(), r.issuedAt(), r.expiresAt(), r.sessionJson(), r.lockedFields(),
                r.keyId(), r.maxSessionSeconds(), r.endpoints(), limits, r.traceParent());
    }

    @Test
    void concurrentConsumersNeverTakeMoreThanTheUses() throws Exception {
        TokenRecord r = record(3, inAMinute());
        now(store().save(r));
        CountDownLatch go = new CountDownLatch(1);
        List<Future<Outcome>> outcomes = new ArrayList<>();
        try (ExecutorService pool = Executors.newFixedThreadPool(32)) {
            for (int i = 0; i < 64; i++) {
                outcomes.add(pool.submit(() -> {
                    go.await();
                    return now(store().consume(r.secretHash(), Binding.NONE, Instant.now())).outcome();
                }));
            }
            go.countDown();
            long redeemed = 0;
            for (Future<Outcome> f : outcomes) {
                redeemed += f.get() == Outcome.REDEEMED ? 1 : 0;
            }
            assertThat(redeemed).isEqualTo(3);
        }
    }

    @Test
    void revokedTokenIsGoneByHashAndById() {
        TokenRecord a = record(1, inAMinute());
        TokenRecord b = record(1, inAMinute());
        now(store().save(a));
        now(store().save(b));
        assertThat(now(store().revoke(a.secretHash()))).map(TokenRecord::id).contains(a.id());
        assertThat(now(store().find(a.secretHash()))).isEmpty();
        assertThat(now(store().findById(a.id()))).isEmpty();
        assertThat(now(store().revokeById(b.id()))).map(TokenRecord::id).contains(b.id());
        assertThat(now(store().consume(b.secretHash(), Binding.NONE, Instant.now())).outcome())
                .isEqualTo(Outcome.UNKNOWN);
        assertThat(now(store().revokeById(b.id()))).isEmpty();
    }

    @Test
    void listsTheLiveTokensAKeyMinted() {
        TokenRecord live = record(1, inAMinute());
        TokenRecord expired = record(1, Instant.now().plusSeconds(5));
        String keyId = "key_" + Secrets.randomBase62(16);
        TokenRecord mine = withKey(live, keyId);
        TokenRecord old = withKey(expired, keyId);
        now(store().save(mine));
        now(store().save(old));
        assertThat(now(store().idsMintedBy(keyId, Instant.now().plusSeconds(10)))).containsExactly(mine.id());
        assertThat(now(store().idsMintedBy("key_" + Secrets.randomBase62(16), Instant.now()))).isEmpty();
    }

    /** A token kept for a live session is still its key's, and revocable, after it expired (SPEC §11). */
    @Test
    void aTokenKeptForASessionIsListedAndRevocablePastItsExpiry() {
        String keyId = "key_" + Secrets.randomBase62(16);
        TokenRecord kept = withKey(record(1, Instant.now().plusSeconds(5)), keyId);
        TokenRecord other = withKey(record(1, Instant.now().plusSeconds(5)), keyId);
        now(store().save(kept));
        now(store().save(other));
        now(store().retain(kept.id(), keyId, Instant.now().plusSeconds(600)));
        now(store().retain(other.id(), keyId, Instant.now().plusSeconds(1)));
        assertThat(now(store().idsMintedBy(keyId, Instant.now().plusSeconds(10)))).containsExactly(kept.id());
        assertThat(now(store().revokeById(kept.id()))).map(TokenRecord::id).contains(kept.id());
        now(store().retain("tok_" + Secrets.randomBase62(24), keyId, Instant.now().plusSeconds(600)));
    }

    private static TokenRecord withKey(TokenRecord r, String keyId) {
        return new TokenRecord(r.id(), r.secretHash(), r.format(), r.mode(), r.provider(), r.model(), r.subject(),
                r.origin(), r.maxUses(), r.usesLeft(), r.issuedAt(), r.expiresAt(), r.sessionJson(),
                r.lockedFields(), keyId, r.maxSessionSeconds(), r.endpoints(), r.limits(),
                r.traceParent());
    }

    @Test
    void reportsItselfReachable() {
        assertThat(now(store().isReachable())).isTrue();
    }
}

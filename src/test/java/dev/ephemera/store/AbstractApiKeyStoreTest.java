package dev.ephemera.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ephemera.apikey.ApiKeyRecord;
import dev.ephemera.apikey.ApiKeyStore;
import dev.ephemera.auth.KeyBudget;
import dev.ephemera.auth.Permission;
import dev.ephemera.secret.Secrets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The {@link ApiKeyStore} contract; every implementation runs it through a subclass. */
public abstract class AbstractApiKeyStoreTest {

    /** The store under test. */
    protected abstract ApiKeyStore store();

    /** The store's answer, waited for: these tests check what the store does, one step at a time. */
    private static <T> T now(java.util.concurrent.CompletionStage<T> stage) {
        return stage.toCompletableFuture().join();
    }

    public static ApiKeyRecord key() {
        return new ApiKeyRecord("key_" + Secrets.randomBase62(16), "svc", Set.of(Permission.READ, Permission.WRITE),
                Secrets.sha256Hex(Secrets.randomBase62(43)), null, null, Instant.now().truncatedTo(ChronoUnit.MILLIS),
                Instant.now().plusSeconds(3600).truncatedTo(ChronoUnit.MILLIS), null, null,
                List.of("https://app.example.com"), List.of("openai"), 60,
                new KeyBudget(1_000_000L, 2_500_000L, 40_000_001L));
    }

    @Test
    void createdKeyIsFoundAndListedUnchanged() {
        ApiKeyRecord k = key();
        now(store().create(k));
        assertThat(now(store().find(k.id()))).contains(k);
        assertThat(now(store().list())).contains(k);
        assertThat(now(store().find("key_" + Secrets.randomBase62(16)))).isEmpty();
    }

    @Test
    void aKeyWithoutABudgetComesBackWithoutOne() {
        ApiKeyRecord k = key();
        ApiKeyRecord plain = new ApiKeyRecord(k.id(), k.name(), k.permissions(), k.secretHash(), null, null,
                k.createdAt(), null, null, null, List.of(), List.of(), null, KeyBudget.NONE);
        now(store().create(plain));
        assertThat(now(store().find(k.id()))).contains(plain);
        assertThat(now(store().find(k.id())).orElseThrow().budget().isNone()).isTrue();
    }

    @Test
    void aBudgetOfMoneyAloneComesBackAsItWasSaved() {
        ApiKeyRecord k = key();
        ApiKeyRecord money = new ApiKeyRecord(k.id(), k.name(), k.permissions(), k.secretHash(), null, null,
                k.createdAt(), null, null, null, List.of(), List.of(), null, new KeyBudget(null, null, 1L));
        now(store().create(money));
        assertThat(now(store().find(k.id())).orElseThrow().budget()).isEqualTo(new KeyBudget(null, null, 1L));
        Instant at = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        assertThat(now(store().revoke(k.id(), at)).orElseThrow().budget()).isEqualTo(money.budget());
    }

    @Test
    void keysAreListedOldestFirst() {
        Instant t = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        List<ApiKeyRecord> made = List.of(createdAt(t.plusSeconds(2)), createdAt(t), createdAt(t.plusSeconds(1)));
        made.forEach(k -> now(store().create(k)));
        List<String> ids = made.stream().map(ApiKeyRecord::id).toList();
        assertThat(now(store().list())).extracting(ApiKeyRecord::id).filteredOn(ids::contains)
                .containsExactly(ids.get(1), ids.get(2), ids.get(0));
    }

    private static ApiKeyRecord createdAt(Instant at) {
        ApiKeyRecord k = key();
        return new ApiKeyRecord(k.id(), k.name(), k.permissions(), k.secretHash(), k.previousSecretHash(),
                k.previousExpiresAt(), at, k.expiresAt(), k.lastUsedAt(), k.revokedAt(), k.allowedOrigins(),
                k.allowedProviders(), k.rateLimitPerMinute(), k.budget());
    }

    @Test
    void rotationKeepsThePreviousHashUntilTheGivenTime() {
        ApiKeyRecord k = key();
        now(store().create(k));
        Instant until = Instant.now().plusSeconds(60).truncatedTo(ChronoUnit.MILLIS);
        ApiKeyRecord rotated = now(store().rotate(k.id(), "new-hash", until)).orElseThrow();
        assertThat(rotated.secretHash()).isEqualTo("new-hash");
        assertThat(rotated.previousSecretHash()).isEqualTo(k.secretHash());
        assertThat(rotated.previousExpiresAt()).isEqualTo(until);
        assertThat(now(store().find(k.id()))).contains(rotated);
        assertThat(now(store().rotate("key_" + Secrets.randomBase62(16), "x", until))).isEmpty();
    }

    @Test
    void revocationIsRecordedOnceAndKept() {
        ApiKeyRecord k = key();
        now(store().create(k));
        Instant at = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        assertThat(now(store().revoke(k.id(), at)).orElseThrow().revokedAt()).isEqualTo(at);
        assertThat(now(store().revoke(k.id(), at.plusSeconds(5))).orElseThrow().revokedAt()).isEqualTo(at);
        assertThat(now(store().find(k.id())).orElseThrow().revokedAt()).isEqualTo(at);
    }

    @Test
    void touchRecordsLastUse() {
        ApiKeyRecord k = key();
        now(store().create(k));
        Instant at = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        now(store().touch(k.id(), at));
        assertThat(now(store().find(k.id())).orElseThrow().lastUsedAt()).isEqualTo(at);
        now(store().touch("key_" + Secrets.randomBase62(16), at));
        assertThat(now(store().find(k.id())).orElseThrow().name()).isEqualTo("svc");
    }
}

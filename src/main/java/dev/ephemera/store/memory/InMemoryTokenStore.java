package dev.ephemera.store.memory;

import dev.ephemera.token.Binding;
import dev.ephemera.token.Redemption;
import dev.ephemera.token.Redemption.Mismatch;
import dev.ephemera.token.Redemption.Outcome;
import dev.ephemera.token.TokenRecord;
import dev.ephemera.token.TokenStore;
import io.micronaut.context.annotation.Context;
import io.micronaut.scheduling.annotation.Scheduled;
import jakarta.inject.Singleton;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Tokens in a map; one-use atomicity comes from {@link ConcurrentHashMap#computeIfPresent}. */
@Context
@Singleton
final class InMemoryTokenStore implements TokenStore {

    private static final Logger LOG = LoggerFactory.getLogger(InMemoryTokenStore.class);

    private final Clock clock;
    private final Map<String, TokenRecord> byHash = new ConcurrentHashMap<>();
    private final Map<String, String> hashById = new ConcurrentHashMap<>();
    private final Map<String, Set<String>> idsByKey = new ConcurrentHashMap<>();
    private final Map<String, Instant> retainedUntil = new ConcurrentHashMap<>();

    InMemoryTokenStore(Clock clock) {
        this.clock = clock;
        LOG.warn("Neither redis.uri nor redis.uris is set: tokens and API keys are kept in this process's memory. "
                + "They are lost on restart and not shared between replicas; set REDIS_URI to run more than one "
                + "instance.");
    }

    @Override
    public CompletionStage<Void> save(TokenRecord record) {
        byHash.put(record.secretHash(), record);
        hashById.put(record.id(), record.secretHash());
        idsByKey.computeIfAbsent(record.keyId(), k -> ConcurrentHashMap.newKeySet()).add(record.id());
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public CompletionStage<Optional<TokenRecord>> find(String secretHash) {
        return CompletableFuture.completedFuture(found(secretHash));
    }

    private Optional<TokenRecord> found(String secretHash) {
        return Optional.ofNullable(byHash.get(secretHash)).filter(this::retained);
    }

    @Override
    public CompletionStage<Optional<TokenRecord>> findById(String id) {
        return CompletableFuture.completedFuture(Optional.ofNullable(hashById.get(id)).flatMap(this::found));
    }

    @Override
    public CompletionStage<Redemption> consume(String secretHash, Binding expected, Instant now) {
        return CompletableFuture.completedFuture(take(secretHash, expected, now));
    }

    private Redemption take(String secretHash, Binding expected, Instant now) {
        Redemption[] result = {Redemption.of(Outcome.UNKNOWN)};
        byHash.computeIfPresent(secretHash, (hash, record) -> {
            if (!retained(record)) {
                return record;
            }
            result[0] = decide(record, expected, now);
            return result[0].outcome() == Outcome.REDEEMED ? result[0].record() : record;
        });
        return result[0];
    }

    private static Redemption decide(TokenRecord record, Binding expected, Instant now) {
        if (record.expiredAt(now)) {
            return new Redemption(Outcome.EXPIRED, record, null);
        }
        Mismatch mismatch = mismatch(record, expected);
        if (mismatch != null) {
            return new Redemption(Outcome.MISMATCH, record, mismatch);
        }
        if (record.usesLeft() <= 0) {
            return new Redemption(Outcome.USED_UP, record, null);
        }
        return new Redemption(Outcome.REDEEMED, record.withUsesLeft(record.usesLeft() - 1), null);
    }

    private static Mismatch mismatch(TokenRecord record, Binding expected) {
        if (differs(expected.provider(), record.provider())) {
            return Mismatch.PROVIDER;
        }
        if (!expected.model().admits(record.model())) {
            return Mismatch.MODEL;
        }
        if (!expected.origin().admits(record.origin())) {
            return Mismatch.ORIGIN;
        }
        if (expected.endpoints() != null && !record.endpoints().isEmpty()
                && expected.endpoints().stream().noneMatch(record.endpoints()::contains)) {
            return Mismatch.ENDPOINT;
        }
        if (!expected.measurable() && record.limits().measured()) {
            return Mismatch.USAGE;
        }
        return null;
    }

    private static boolean differs(String expected, String bound) {
        return expected != null && bound != null && !Objects.equals(expected, bound);
    }

    @Override
    public CompletionStage<Optional<TokenRecord>> revoke(String secretHash) {
        return CompletableFuture.completedFuture(removed(secretHash));
    }

    private Optional<TokenRecord> removed(String secretHash) {
        TokenRecord removed = byHash.remove(secretHash);
        if (removed != null) {
            hashById.remove(removed.id());
        }
        return Optional.ofNullable(removed).filter(this::retained);
    }

    @Override
    public CompletionStage<Optional<TokenRecord>> revokeById(String id) {
        String hash = hashById.get(id);
        return CompletableFuture.completedFuture(hash == null ? Optional.empty() : removed(hash));
    }

    @Override
    public CompletionStage<List<String>> idsMintedBy(String keyId, Instant now) {
        List<String> out = new ArrayList<>();
        for (String id : idsByKey.getOrDefault(keyId, Set.of())) {
            Optional.ofNullable(hashById.get(id)).flatMap(this::found)
                    .filter(r -> !r.expiredAt(now) || now.isBefore(retainedUntil.getOrDefault(r.id(), Instant.MIN)))
                    .ifPresent(r -> out.add(r.id()));
        }
        return CompletableFuture.completedFuture(out);
    }

    @Override
    public CompletionStage<Void> retain(String id, String keyId, Instant until) {
        retainedUntil.merge(id, until, (a, b) -> a.isAfter(b) ? a : b);
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public CompletionStage<Void> endRetention(String id, Instant expiresAt) {
        retainedUntil.remove(id);
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public CompletionStage<Boolean> isReachable() {
        return CompletableFuture.completedFuture(true);
    }

    private boolean retained(TokenRecord record) {
        Instant now = clock.instant();
        return now.isBefore(record.expiresAt().plus(RETENTION_AFTER_EXPIRY))
                || now.isBefore(retainedUntil.getOrDefault(record.id(), Instant.MIN));
    }

    /** Forgets tokens past their retention, as Redis expiry does for the Redis store. */
    @Scheduled(fixedDelay = "10s")
    void sweep() {
        byHash.values().removeIf(record -> {
            if (retained(record)) {
                return false;
            }
            hashById.remove(record.id());
            retainedUntil.remove(record.id());
            Set<String> ids = idsByKey.get(record.keyId());
            if (ids != null) {
                ids.remove(record.id());
            }
            return true;
        });
    }
}

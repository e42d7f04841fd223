package dev.ephemera.token;

import dev.ephemera.audit.TestAuditLog;
import dev.ephemera.metrics.BrokerMetrics;
import dev.ephemera.provider.ProviderRegistry;
import dev.ephemera.provider.TestProviders;
import dev.ephemera.ratelimit.DailyUsage;
import dev.ephemera.ratelimit.MintLimits;
import dev.ephemera.ratelimit.RateLimitConfiguration;
import dev.ephemera.ratelimit.TestMintLimits;
import dev.ephemera.store.memory.MemoryStores;
import dev.ephemera.support.MutableClock;
import dev.ephemera.token.jwt.TestJwtTokens;
import dev.ephemera.url.TestBrokerUrls;
import io.micronaut.json.JsonMapper;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The minter and the redeemer over the in-memory stores, with a clock that moves only when a test moves it and no
 * application context: what {@link TokenMinterTest} and {@link TokenRedeemerTest} work on. The token store counts
 * what reaches it.
 */
final class Minting {

    static final String ISSUER = "https://broker.example.com";

    final MutableClock clock = new MutableClock();
    final CountingStore store = new CountingStore(MemoryStores.tokens(clock));
    final AtomicLong spentToday = new AtomicLong();
    /** What {@link DailyUsage#moneyLeft} answers for every key and subject under some budget (none: no end). */
    final AtomicLong moneyLeft = new AtomicLong(Long.MAX_VALUE);
    /** What the minter's {@link MoneyMeasure} answers for every model. */
    final AtomicBoolean measurable = new AtomicBoolean(true);
    final TokenStrategy strategy = new TokenStrategy(TestJwtTokens.create("ES256"), TestBrokerUrls.of(ISSUER));
    final TokenMinter minter;
    final TokenRedeemer redeemer;

    /** Minting with {@code perKey} mints a minute per API key and {@code perAddress} per client address. */
    Minting(int perKey, int perAddress) {
        clock.freeze();
        ProviderRegistry providers = TestProviders.withKey("openai", "sk-test");
        DailyUsage usage = new DailyUsage() {
            @Override
            public CompletionStage<Long> tokensToday(String keyId) {
                return CompletableFuture.completedFuture(spentToday.get());
            }

            @Override
            public CompletionStage<Long> moneyLeft(String keyId, String subject, Long keyPerDay, Long keyPerMonth,
                    Long subjectPerDay) {
                boolean none = keyPerDay == null && keyPerMonth == null && subjectPerDay == null;
                return CompletableFuture.completedFuture(none ? Long.MAX_VALUE : moneyLeft.get());
            }
        };
        MintLimits limits = TestMintLimits.of(MemoryStores.rateLimiter(clock),
                new RateLimitConfiguration(perKey, 30, perAddress, 100), usage);
        BrokerMetrics metrics = new BrokerMetrics(null);
        minter = new TokenMinter(store, strategy, new TokenConfiguration(Duration.ofSeconds(60),
                Duration.ofSeconds(600), 1), providers, TestProviders.upstreamKeys(clock), limits,
                (provider, model) -> measurable.get(), TestBrokerUrls.of(ISSUER), TestAuditLog.of(clock), metrics,
                JsonMapper.createDefault(), clock, dev.ephemera.trace.Tracing.OFF);
        redeemer = new TokenRedeemer(store, strategy, TestAuditLog.of(clock), metrics, clock,
                dev.ephemera.trace.Tracing.OFF);
    }

    /** A token store that counts the calls that reach it, and which records it saved and discarded. */
    static final class CountingStore implements TokenStore {
        private final TokenStore store;
        final AtomicInteger finds = new AtomicInteger();
        final AtomicInteger consumes = new AtomicInteger();
        final List<TokenRecord> saved = new java.util.concurrent.CopyOnWriteArrayList<>();
        final List<TokenRecord> discarded = new java.util.concurrent.CopyOnWriteArrayList<>();

        CountingStore(TokenStore store) {
            this.store = store;
        }

        @Override
        public CompletionStage<Void> save(TokenRecord record) {
            saved.add(record);
            return store.save(record);
        }

        @Override
        public CompletionStage<Void> discard(TokenRecord record) {
            discarded.add(record);
            return store.discard(record);
        }

        @Override
        public CompletionStage<Optional<TokenRecord>> find(String secretHash) {
            finds.incrementAndGet();
            return store.find(secretHash);
        }

        @Override
        public CompletionStage<Optional<TokenRecord>> findById(String id) {
            return store.findById(id);
        }

        @Override
        public CompletionStage<Redemption> consume(String secretHash, Binding expected, Instant now) {
            consumes.incrementAndGet();
            return store.consume(secretHash, expected, now);
        }

        @Override
        public CompletionStage<Optional<TokenRecord>> revoke(String secretHash) {
            return store.revoke(secretHash);
        }

        @Override
        public CompletionStage<Optional<TokenRecord>> revokeById(String id) {
            return store.revokeById(id);
        }

        @Override
        public CompletionStage<List<String>> idsMintedBy(String keyId, Instant now) {
            return store.idsMintedBy(keyId, now);
        }

        @Override
        public CompletionStage<Void> retain(String id, String keyId, Instant until) {
            return store.retain(id, keyId, until);
        }

        @Override
        public CompletionStage<Void> endRetention(String id, Instant expiresAt) {
            return store.endRetention(id, expiresAt);
        }

        @Override
        public CompletionStage<Boolean> isReachable() {
            return store.isReachable();
        }
    }
}

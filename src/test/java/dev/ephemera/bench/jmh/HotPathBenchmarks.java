package dev.ephemera.bench.jmh;

import dev.ephemera.apikey.ApiKeyService;
import dev.ephemera.secret.Secrets;
import dev.ephemera.ratelimit.RateLimiter;
import dev.ephemera.token.TokenStrategy;
import dev.ephemera.token.jwt.JwtTokens;
import io.micronaut.context.ApplicationContext;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * The per-request hot paths, each alone: API-key verification (format, checksum, SHA-256, constant-time compare),
 * opaque token generation and hashing, JWT signing (ES256, EdDSA) through the broker's own {@link JwtTokens}, and
 * the in-memory rate limiter. Run with bench/README.md's JMH line; never part of {@code ./mvnw verify}.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class HotPathBenchmarks {

    /** A broker context (no server) signing with the given algorithm. */
    @State(Scope.Benchmark)
    public static class Broker {
        @Param({"ES256", "EdDSA"})
        public String algorithm;
        ApplicationContext context;
        JwtTokens jwts;
        RateLimiter limiter;
        final String key = ApiKeyService.FORMAT.generate(Secrets.randomBase62(16));
        final String keyHash = Secrets.sha256Hex(key);
        final AtomicLong counter = new AtomicLong();

        @Setup(Level.Trial)
        public void start() {
            context = ApplicationContext.run(Map.of("ephemera.tokens.signing.algorithm", algorithm,
                    "micronaut.server.port", -1));
            jwts = context.getBean(JwtTokens.class);
            limiter = context.getBean(RateLimiter.class);
        }

        @TearDown(Level.Trial)
        public void stop() {
            context.close();
        }
    }

    @Benchmark
    public boolean apiKeyVerification(Broker b) {
        return ApiKeyService.FORMAT.body(b.key) != null
                && Secrets.constantTimeEquals(Secrets.sha256Hex(b.key), b.keyHash);
    }

    @Benchmark
    public String opaqueTokenGenerationAndHash() {
        return Secrets.sha256Hex(TokenStrategy.OPAQUE.generate(""));
    }

    @Benchmark
    public String jwtSign(Broker b) {
        Instant now = Instant.now();
        return b.jwts.sign(new JwtTokens.Claims("https://broker.example.com", "user-1", "https://broker.example.com",
                now, now.plusSeconds(60), "tok_" + b.counter.incrementAndGet(), "openai", "gpt-realtime",
                "https://app.example.com", "relay"));
    }

    @Benchmark
    public RateLimiter.Decision rateLimiterInMemory(Broker b) {
        return b.limiter.acquire("key:" + (b.counter.incrementAndGet() & 1023), 1_000_000, Duration.ofMinutes(1))
                .toCompletableFuture().join();
    }
}

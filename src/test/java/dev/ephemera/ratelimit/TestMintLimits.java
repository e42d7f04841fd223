package dev.ephemera.ratelimit;

/** The broker's mint limits without an application context, for unit tests of what uses them. */
public final class TestMintLimits {

    private TestMintLimits() {
    }

    public static MintLimits of(RateLimiter limiter, RateLimitConfiguration config, DailyUsage usage) {
        return new MintLimits(limiter, config, usage);
    }
}

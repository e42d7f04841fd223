package dev.ephemera.relay;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micronaut.context.annotation.Context;
import io.micronaut.context.annotation.Requires;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufAllocatorMetric;
import io.netty.buffer.ByteBufAllocatorMetricProvider;
import io.netty.util.internal.PlatformDependent;

/**
 * The memory Netty's buffer allocator holds, which nothing else shows: Netty allocates its direct memory with
 * {@code malloc} itself (the jar enables native access), outside the JDK's direct-buffer count and outside the
 * native memory tracking, and Micronaut's Netty binder reads {@code PooledByteBufAllocator.DEFAULT} while Netty
 * 4.2's default allocator, the one the server's channels use, is the adaptive one. Here, beside the relays, since
 * Netty stays where it is needed (ARCHITECTURE.md).
 */
@Context
@Requires(beans = MeterRegistry.class)
final class NettyAllocatorMeters {

    /** Registers the gauges of {@link ByteBufAllocator#DEFAULT} in {@code registry}. */
    NettyAllocatorMeters(MeterRegistry registry) {
        if (ByteBufAllocator.DEFAULT instanceof ByteBufAllocatorMetricProvider provider) {
            ByteBufAllocatorMetric metric = provider.metric();
            Gauge.builder("ephemera.netty.allocator.used", metric, ByteBufAllocatorMetric::usedDirectMemory)
                    .description("Direct memory Netty's default allocator holds: buffers in use and the chunks it "
                            + "keeps for reuse")
                    .baseUnit("bytes").tag("memory", "direct").register(registry);
            Gauge.builder("ephemera.netty.allocator.used", metric, ByteBufAllocatorMetric::usedHeapMemory)
                    .description("Heap memory Netty's default allocator holds: buffers in use and the chunks it "
                            + "keeps for reuse")
                    .baseUnit("bytes").tag("memory", "heap").register(registry);
        }
        // -1 when Netty does not count (direct buffers with a cleaner, which the JDK's own buffer pool counts).
        Gauge.builder("ephemera.netty.direct.memory", PlatformDependent::usedDirectMemory)
                .description("Direct memory Netty allocated without a cleaner, by every allocator; -1 when not counted")
                .baseUnit("bytes").register(registry);
    }
}

package dev.ephemera.store.redis;

import io.lettuce.core.resource.Transports;
import io.netty.channel.socket.SocketChannel;
import io.netty.resolver.AddressResolverGroup;
import io.netty.resolver.dns.DefaultDnsCache;
import io.netty.resolver.dns.DefaultDnsCnameCache;
import io.netty.resolver.dns.DnsAddressResolverGroup;
import io.netty.resolver.dns.DnsNameResolverBuilder;
import java.net.InetSocketAddress;

/**
 * How the Redis clients resolve host names: Netty's asynchronous DNS resolver, Lettuce's default, with every answer
 * kept at most {@link #MAX_TTL_SECONDS} and no failure kept at all. Lettuce's default keeps an answer as long as its
 * record's TTL says, and a name is resolved only when a connection (re)connects: a Redis that came back at a new
 * address under the same name (a restarted container on podman's network, whose DNS answers with a TTL of a day; a
 * pod behind a headless Service) was reconnected to at its old address until the broker restarted, ready never
 * again (RedisKilledUnderLoadIT). A lookup per reconnect is all a short TTL costs.
 */
final class RedisNames {

    /**
     * The longest a host name's address is used without asking DNS again: measured, a Redis restarted at a new
     * address is ready again 0.9-1.8 s after it starts (3-5.5 s at 5).
     */
    static final int MAX_TTL_SECONDS = 1;

    /** Shared by every client of the broker, as Lettuce shares its default. */
    static final AddressResolverGroup<InetSocketAddress> RESOLVER = new DnsAddressResolverGroup(
            new DnsNameResolverBuilder()
                    .datagramChannelType(Transports.datagramChannelClass())
                    .socketChannelType(Transports.socketChannelClass().asSubclass(SocketChannel.class))
                    .resolveCache(new DefaultDnsCache(0, MAX_TTL_SECONDS, 0))
                    .cnameCache(new DefaultDnsCnameCache(0, MAX_TTL_SECONDS)));

    private RedisNames() {
    }
}

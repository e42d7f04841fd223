package dev.ephemera.webhook;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;
import java.util.List;

/**
 * Which addresses a webhook may reach (SPEC §11): any but the blocks below, and an IPv6 address that embeds an IPv4
 * address (IPv4-mapped, -compatible or -translated, NAT64, 6to4, Teredo) only when every IPv4 address in it may be
 * reached too: a relay or translator on the way would deliver to the embedded one.
 */
final class PublicAddresses {

    /** An address block: an address and how many of its leading bits every address of the block shares. */
    private record Block(byte[] prefix, int bits) {

        static Block of(String cidr) {
            int slash = cidr.indexOf('/');
            try {
                // Literals only: parsed, never looked up.
                return new Block(InetAddress.getByName(cidr.substring(0, slash)).getAddress(),
                        Integer.parseInt(cidr.substring(slash + 1)));
            } catch (UnknownHostException e) {
                throw new IllegalArgumentException(cidr, e);
            }
        }

        boolean contains(byte[] address) {
            if (address.length != prefix.length) {
                return false;
            }
            for (int bit = 0; bit < bits; bit++) {
                int mask = 0x80 >>> (bit % 8);
                if ((address[bit / 8] & mask) != (prefix[bit / 8] & mask)) {
                    return false;
                }
            }
            return true;
        }
    }

    /** IANA's special-purpose IPv4 blocks that are not globally reachable, multicast and the reserved 240/4. */
    private static final List<Block> IPV4 = blocks("0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8",
            "169.254.0.0/16", "172.16.0.0/12", "192.0.0.0/24", "192.0.2.0/24", "192.88.99.0/24", "192.168.0.0/16",
            "198.18.0.0/15", "198.51.100.0/24", "203.0.113.0/24", "224.0.0.0/4", "240.0.0.0/4");
    /**
     * The same for IPv6: unspecified, loopback, discard-only, benchmarking, ORCHID, documentation (both), local-use
     * NAT64 (whose embedding the network chooses), unique local, link-local, site-local and multicast.
     */
    private static final List<Block> IPV6 = blocks("::/128", "::1/128", "100::/64", "2001:2::/48", "2001:10::/28",
            "2001:20::/28", "2001:db8::/32", "3fff::/20", "64:ff9b:1::/48", "fc00::/7", "fe80::/10", "fec0::/10",
            "ff00::/8");
    /** Written out: Java reads the text {@code ::ffff:0:0} as the IPv4 address 0.0.0.0. */
    private static final Block MAPPED = new Block(new byte[] {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, -1, -1, 0, 0, 0, 0}, 96);
    private static final Block COMPATIBLE = Block.of("::/96");
    private static final Block TRANSLATED = Block.of("::ffff:0:0:0/96");
    private static final Block NAT64 = Block.of("64:ff9b::/96");
    private static final Block SIX_TO_FOUR = Block.of("2002::/16");
    private static final Block TEREDO = Block.of("2001::/32");

    private PublicAddresses() {
    }

    private static List<Block> blocks(String... cidrs) {
        return Arrays.stream(cidrs).map(Block::of).toList();
    }

    static boolean isPublic(InetAddress address) {
        return isPublic(address.getAddress());
    }

    private static boolean isPublic(byte[] a) {
        if (a.length == 4) {
            return IPV4.stream().noneMatch(b -> b.contains(a));
        }
        if (IPV6.stream().anyMatch(b -> b.contains(a))) {
            return false;
        }
        if (MAPPED.contains(a) || COMPATIBLE.contains(a) || TRANSLATED.contains(a) || NAT64.contains(a)) {
            return isPublic(Arrays.copyOfRange(a, 12, 16));
        }
        if (SIX_TO_FOUR.contains(a)) {
            return isPublic(Arrays.copyOfRange(a, 2, 6));
        }
        if (TEREDO.contains(a)) {
            // The Teredo server's address, then the client's, which is stored inverted (RFC 4380 §4).
            byte[] client = Arrays.copyOfRange(a, 12, 16);
            for (int i = 0; i < 4; i++) {
                client[i] = (byte) ~client[i];
            }
            return isPublic(Arrays.copyOfRange(a, 4, 8)) && isPublic(client);
        }
        return true;
    }
}

package dev.ephemera.web;

import io.micronaut.context.annotation.Context;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpHeaders;
import io.micronaut.http.HttpRequest;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The address of the client behind a request (SPEC §7): the direct peer's, unless the peer is in
 * {@code ephemera.trusted-proxies} (CIDR blocks, default none); then the one header
 * {@code ephemera.client-address-header} names is read, and no other. Its nodes are walked from the right, skipping
 * trusted proxies, since each trusted proxy appends the address it saw and everything left of that was written by
 * the client: the client is the rightmost address that is not a trusted proxy (the leftmost when all are). Denied
 * what cannot be parsed: a header that breaks its syntax, or a node on the walk that is not an IP literal (a name,
 * {@code unknown}, an obfuscated node), gives the direct peer. Literals only: no name is ever resolved.
 */
@Context
public final class ClientAddresses {

    private static final Pattern IPV4 = Pattern.compile("(0|[1-9]\\d{0,2})(\\.(0|[1-9]\\d{0,2})){3}");
    private static final Pattern IPV6 = Pattern.compile("[0-9A-Fa-f:.]{2,45}");
    private static final Pattern PORT = Pattern.compile("\\d{1,5}");

    /** One trusted block: an address and how many leading bits must match. */
    private record Block(byte[] network, int bits) {
        boolean contains(InetAddress address) {
            byte[] a = address.getAddress();
            if (a.length != network.length) {
                return false;
            }
            for (int i = 0; i < bits; i++) {
                int mask = 0x80 >> (i % 8);
                if ((a[i / 8] & mask) != (network[i / 8] & mask)) {
                    return false;
                }
            }
            return true;
        }
    }

    private final List<Block> trusted;
    private final ClientAddressHeader header;

    ClientAddresses(ClientAddressConfiguration configuration) {
        List<Block> blocks = new ArrayList<>();
        List<String> proxies = configuration.trustedProxies();
        for (String cidr : proxies == null ? List.<String>of() : proxies) {
            blocks.add(block(cidr.trim()));
        }
        this.trusted = List.copyOf(blocks);
        String name = configuration.clientAddressHeader();
        this.header = name == null ? ClientAddressHeader.X_FORWARDED_FOR : ClientAddressHeader.named(name)
                .orElseThrow(() -> new IllegalStateException("ephemera.client-address-header: '" + name + "' is not "
                        + "a header the broker reads a client address from; name one of: " + Arrays.stream(
                                ClientAddressHeader.values()).map(ClientAddressHeader::fieldName)
                        .collect(Collectors.joining(", ")) + "."));
    }

    private static Block block(String cidr) {
        String[] parts = cidr.split("/", 2);
        InetAddress network = literal(parts[0]);
        int max = network == null ? 0 : network.getAddress().length * 8;
        int bits;
        try {
            bits = parts.length == 1 ? max : Integer.parseInt(parts[1]);
        } catch (NumberFormatException e) {
            bits = -1;
        }
        if (network == null || bits < 0 || bits > max) {
            throw new IllegalStateException("ephemera.trusted-proxies: " + cidr + " is not a CIDR block such as "
                    + "10.0.0.0/8 or fd00::/8");
        }
        return new Block(network.getAddress(), bits);
    }

    /** The client's address as text; the direct peer's unless a trusted proxy forwarded the request. */
    public String of(HttpRequest<?> request) {
        InetSocketAddress peer = request.getRemoteAddress();
        return peer.getAddress() == null ? peer.getHostString()
                : of(peer.getAddress(), request.getHeaders()).getHostAddress();
    }

    /** The client's address, for a request from {@code peer} with {@code headers}. */
    InetAddress of(InetAddress peer, HttpHeaders headers) {
        if (!isTrusted(peer)) {
            return peer;
        }
        List<String> lines = headers.getAll(header.fieldName());
        Optional<List<String>> nodes = lines.isEmpty() ? Optional.empty() : header.nodes(lines);
        if (nodes.isEmpty()) {
            return peer;
        }
        InetAddress client = peer;
        for (int i = nodes.get().size() - 1; i >= 0 && isTrusted(client); i--) {
            client = node(nodes.get().get(i));
            if (client == null) {
                return peer;
            }
        }
        return client;
    }

    private boolean isTrusted(InetAddress address) {
        for (Block block : trusted) {
            if (block.contains(address)) {
                return true;
            }
        }
        return false;
    }

    /**
     * A node's address: an IP literal, with or without a port ({@code 192.0.2.1}, {@code 192.0.2.1:443},
     * {@code 2001:db8::1}, {@code [2001:db8::1]}, {@code [2001:db8::1]:443}); else null.
     */
    @Nullable
    static InetAddress node(String node) {
        String address = node;
        if (node.startsWith("[")) {
            int end = node.indexOf(']');
            String rest = end < 0 ? "" : node.substring(end + 1);
            if (end < 0 || !rest.isEmpty() && !(rest.startsWith(":") && PORT.matcher(rest.substring(1)).matches())) {
                return null;
            }
            address = node.substring(1, end);
            if (!address.contains(":")) {
                return null;
            }
        } else {
            int colon = node.indexOf(':');
            if (colon >= 0 && node.indexOf(':', colon + 1) < 0) {
                if (!PORT.matcher(node.substring(colon + 1)).matches()) {
                    return null;
                }
                address = node.substring(0, colon);
                if (!IPV4.matcher(address).matches()) {
                    return null;
                }
            }
        }
        return literal(address);
    }

    /**
     * An IP literal, or null; never a name lookup ({@link InetAddress#ofLiteral}). IPv4 only as four decimal
     * octets without leading zeros: {@code 010.0.0.1} and {@code 127.1} mean different hosts to different readers.
     */
    @Nullable
    static InetAddress literal(String text) {
        boolean v4 = IPV4.matcher(text).matches();
        if (!v4 && !(text.contains(":") && IPV6.matcher(text).matches())) {
            return null;
        }
        if (v4) {
            for (String octet : text.split("\\.")) {
                if (Integer.parseInt(octet) > 255) {
                    return null;
                }
            }
        }
        try {
            return InetAddress.ofLiteral(text);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }
}

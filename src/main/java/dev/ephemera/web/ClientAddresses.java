package dev.ephemera.web;

import io.micronaut.context.annotation.Context;
import io.micronaut.context.annotation.Property;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpRequest;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * The address of the client behind a request (SPEC §7). {@code X-Forwarded-For} and {@code Forwarded} are believed
 * only when the direct peer is in {@code ephemera.trusted-proxies} (CIDR blocks, default none): then the client is
 * the rightmost hop that is not itself a trusted proxy, since each trusted proxy appends the address it saw and
 * everything left of that was written by the client. A hop that is not an IP literal ends the walk at the last
 * address a trusted proxy vouched for. Literals only: no name is ever resolved.
 */
@Context
public final class ClientAddresses {

    private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");
    private static final Pattern IPV6 = Pattern.compile("[0-9A-Fa-f:.]{2,45}");

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

    ClientAddresses(@Property(name = "ephemera.trusted-proxies") @Nullable List<String> trustedProxies) {
        List<Block> blocks = new ArrayList<>();
        for (String cidr : trustedProxies == null ? List.<String>of() : trustedProxies) {
            blocks.add(block(cidr.trim()));
        }
        this.trusted = List.copyOf(blocks);
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
        InetAddress current = peer.getAddress();
        if (current == null || !isTrusted(current)) {
            return peer.getAddress() == null ? peer.getHostString() : peer.getAddress().getHostAddress();
        }
        List<String> hops = hops(request);
        for (int i = hops.size() - 1; i >= 0 && isTrusted(current); i--) {
            InetAddress hop = literal(hops.get(i));
            if (hop == null) {
                break;
            }
            current = hop;
        }
        return current.getHostAddress();
    }

    private boolean isTrusted(InetAddress address) {
        for (Block block : trusted) {
            if (block.contains(address)) {
                return true;
            }
        }
        return false;
    }

    /** The forwarded chain, client first: {@code Forwarded}'s {@code for=} values, else {@code X-Forwarded-For}. */
    private static List<String> hops(HttpRequest<?> request) {
        List<String> hops = new ArrayList<>();
        List<String> forwarded = request.getHeaders().getAll("Forwarded");
        if (!forwarded.isEmpty()) {
            for (String header : forwarded) {
                for (String element : header.split(",")) {
                    String value = null;
                    for (String pair : element.split(";")) {
                        String[] kv = pair.trim().split("=", 2);
                        if (kv.length == 2 && kv[0].trim().toLowerCase(Locale.ROOT).equals("for")) {
                            value = forwardedFor(kv[1].trim());
                        }
                    }
                    hops.add(value == null ? "" : value);
                }
            }
            return hops;
        }
        for (String header : request.getHeaders().getAll("X-Forwarded-For")) {
            for (String hop : header.split(",")) {
                hops.add(hop.trim());
            }
        }
        return hops;
    }

    /** RFC 7239 node: {@code 192.0.2.1}, {@code "192.0.2.1:80"}, {@code "[2001:db8::1]:80"}. */
    private static String forwardedFor(String node) {
        String n = node.startsWith("\"") && node.endsWith("\"") && node.length() > 1
                ? node.substring(1, node.length() - 1) : node;
        if (n.startsWith("[")) {
            int end = n.indexOf(']');
            return end < 0 ? "" : n.substring(1, end);
        }
        int colon = n.indexOf(':');
        return colon >= 0 && n.indexOf(':', colon + 1) < 0 ? n.substring(0, colon) : n;
    }

    /** An IP literal, or null; never a name lookup. */
    @Nullable
    static InetAddress literal(String text) {
        String t = text.startsWith("[") && text.endsWith("]") ? text.substring(1, text.length() - 1) : text;
        boolean v4 = IPV4.matcher(t).matches();
        if (!v4 && !(t.contains(":") && IPV6.matcher(t).matches())) {
            return null;
        }
        if (v4) {
            for (String octet : t.split("\\.")) {
                if (Integer.parseInt(octet) > 255) {
                    return null;
                }
            }
        }
        try {
            return InetAddress.getByName(t);
        } catch (UnknownHostException e) {
            return null;
        }
    }
}

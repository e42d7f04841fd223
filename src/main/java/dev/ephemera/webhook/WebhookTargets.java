package dev.ephemera.webhook;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.util.Locale;

/**
 * Where webhooks may go (SPEC §11): an absolute {@code https} URL without credentials, whose host resolves only to
 * public addresses: never loopback, private (RFC 1918, unique local), link-local (the cloud metadata service at
 * 169.254.169.254 among them), carrier-grade NAT, multicast, unspecified or IPv4-mapped forms of those. Checked at
 * subscription and again, after a fresh resolution, before every delivery; redirects are never followed.
 * {@code ephemera.webhooks.allow-private-targets} lifts both rules (development and tests).
 */
final class WebhookTargets {

    /** Why a target is refused; the message names no address. */
    static final class Refused extends Exception {
        Refused(String message) {
            super(message, null, false, false);
        }
    }

    private final boolean allowPrivate;

    WebhookTargets(boolean allowPrivate) {
        this.allowPrivate = allowPrivate;
    }

    /** {@code url} parsed and checked, its host resolved (blocking: call off the event loops). */
    URI check(String url) throws Refused {
        URI uri;
        try {
            uri = new URI(url);
        } catch (URISyntaxException e) {
            throw new Refused("'url' must be an absolute https URL.");
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!uri.isAbsolute() || uri.getHost() == null || uri.getRawUserInfo() != null || uri.getRawFragment() != null
                || !(scheme.equals("https") || allowPrivate && scheme.equals("http"))) {
            throw new Refused("'url' must be an absolute https URL, without credentials or fragment.");
        }
        InetAddress[] addresses;
        try {
            addresses = InetAddress.getAllByName(uri.getHost());
        } catch (UnknownHostException e) {
            throw new Refused("'url' names a host that does not resolve.");
        }
        if (!allowPrivate) {
            for (InetAddress address : addresses) {
                if (!isPublic(address)) {
                    throw new Refused("'url' resolves to a loopback, private or link-local address; webhooks go "
                            + "to public addresses only.");
                }
            }
        }
        return uri;
    }

    static boolean isPublic(InetAddress address) {
        if (address.isAnyLocalAddress() || address.isLoopbackAddress() || address.isLinkLocalAddress()
                || address.isSiteLocalAddress() || address.isMulticastAddress()) {
            return false;
        }
        byte[] b = address.getAddress();
        if (address instanceof Inet4Address) {
            int first = b[0] & 0xff;
            int second = b[1] & 0xff;
            // 0/8, 100.64/10 (carrier-grade NAT), 192.0.0/24, 198.18/15 (benchmarking), 240/4 and broadcast.
            return !(first == 0 || first == 100 && second >= 64 && second < 128
                    || first == 192 && second == 0 && (b[2] & 0xff) == 0 || first == 198 && (second & 0xfe) == 18
                    || first >= 240);
        }
        if (address instanceof Inet6Address) {
            // fc00::/7 (unique local), and IPv4-mapped or -compatible addresses judged as their IPv4 address.
            if ((b[0] & 0xfe) == 0xfc) {
                return false;
            }
            boolean zeroPrefix = true;
            for (int i = 0; i < 10; i++) {
                zeroPrefix &= b[i] == 0;
            }
            if (zeroPrefix && (b[10] == (byte) 0xff && b[11] == (byte) 0xff || b[10] == 0 && b[11] == 0)) {
                try {
                    return isPublic(InetAddress.getByAddress(new byte[] {b[12], b[13], b[14], b[15]}));
                } catch (UnknownHostException e) {
                    return false;
                }
            }
        }
        return true;
    }
}

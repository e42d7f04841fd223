package dev.ephemera.webhook;

import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Where webhooks may go (SPEC §11): an absolute {@code https} URL without credentials or fragment, whose host is a
 * name, an IPv6 literal or an IPv4 address in plain dotted decimal (any other IPv4 notation, such as
 * {@code 0177.0.0.1}, {@code 0x7f.1}, {@code 127.1} or {@code 2130706433}, is refused: programs read them
 * differently), and whose
 * addresses are all public ({@link PublicAddresses}). The host is resolved once per check; the delivery connects to
 * the addresses checked ({@link Target}), never resolving again. Checked at subscription and before every delivery;
 * redirects are never followed. {@code ephemera.webhooks.allow-private-targets} lifts the address rule and allows
 * {@code http} (development and tests).
 */
final class WebhookTargets {

    /** Why a target is refused; the message names no address. */
    static final class Refused extends Exception {
        Refused(String message) {
            super(message, null, false, false);
        }
    }

    /** How names are resolved: the system's resolver, or a test's. */
    @FunctionalInterface
    interface Resolver {
        InetAddress[] resolve(String host) throws UnknownHostException;
    }

    /**
     * A checked target: its URL, the host as the request names it ({@code Host}, TLS server name and certificate
     * check; an IPv6 literal without brackets), its port, and the addresses it resolved to, every one checked.
     */
    record Target(URI uri, String host, int port, boolean https, List<InetAddress> addresses) {
    }

    /** A host that WHATWG URL parsers read as an IPv4 address: its last label is a decimal or 0x-hex number. */
    private static final Pattern NUMERIC_LAST_LABEL = Pattern.compile("(?:^|.*\\.)(?:[0-9]+|0[xX][0-9a-fA-F]*)\\.?");
    /** The one IPv4 notation accepted: four decimal numbers up to 255, without leading zeros. */
    private static final Pattern DOTTED_DECIMAL = Pattern.compile(
            "(?:(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\\.){3}(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])");

    private final boolean allowPrivate;
    private final Resolver resolver;

    WebhookTargets(boolean allowPrivate) {
        this(allowPrivate, InetAddress::getAllByName);
    }

    WebhookTargets(boolean allowPrivate, Resolver resolver) {
        this.allowPrivate = allowPrivate;
        this.resolver = resolver;
    }

    /** {@code url} parsed and checked, its host resolved once (blocking: call off the event loops). */
    Target check(String url) throws Refused {
        URI uri;
        try {
            uri = new URI(url);
        } catch (URISyntaxException e) {
            throw new Refused("'url' must be an absolute https URL.");
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        String authority = uri.getRawAuthority();
        if (authority != null && authority.indexOf('@') < 0) {
            String host = authority.replaceFirst(":[0-9]*$", "");
            if (!host.startsWith("[") && NUMERIC_LAST_LABEL.matcher(host).matches()
                    && !DOTTED_DECIMAL.matcher(host).matches()) {
                throw new Refused("'url' names an IPv4 address in a notation other than four decimal numbers "
                        + "without leading zeros.");
            }
        }
        if (!uri.isAbsolute() || uri.getHost() == null || uri.getRawUserInfo() != null || uri.getRawFragment() != null
                || !(scheme.equals("https") || allowPrivate && scheme.equals("http")) || uri.getPort() == 0
                || uri.getPort() > 65_535) {
            throw new Refused("'url' must be an absolute https URL, without credentials or fragment.");
        }
        String host = uri.getHost().startsWith("[") ? uri.getHost().substring(1, uri.getHost().length() - 1)
                : uri.getHost();
        InetAddress[] addresses;
        try {
            addresses = resolver.resolve(host);
        } catch (UnknownHostException | IllegalArgumentException e) {
            throw new Refused("'url' names a host that does not resolve.");
        }
        if (addresses == null || addresses.length == 0) {
            throw new Refused("'url' names a host that does not resolve.");
        }
        if (!allowPrivate) {
            for (InetAddress address : addresses) {
                if (!PublicAddresses.isPublic(address)) {
                    throw new Refused("'url' resolves to a loopback, private, link-local or otherwise non-public "
                            + "address; webhooks go to public addresses only.");
                }
            }
        }
        boolean https = scheme.equals("https");
        int port = uri.getPort() >= 0 ? uri.getPort() : https ? 443 : 80;
        return new Target(uri, host, port, https, List.of(addresses));
    }
}

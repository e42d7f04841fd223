package dev.ephemera.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micronaut.http.HttpHeaders;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpRequestWrapper;
import io.micronaut.http.MutableHttpRequest;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * SPEC §7: the client address, for each header the operator may name, from a trusted peer (10.0.0.1, in
 * 10.0.0.0/8) and from one that is not. {@code "peer"} in a row means the direct peer's address.
 */
class ClientAddressesTest {

    private static final String TRUSTED_PEER = "10.0.0.1";
    private static final String UNTRUSTED_PEER = "192.0.2.1";

    /** Header configured, peer, header lines sent ({@code Name: value}), the address expected. */
    static Stream<Arguments> rows() {
        return Stream.of(
                // X-Forwarded-For, the default: the rightmost address that is not a trusted proxy.
                row(null, TRUSTED_PEER, "203.0.113.7", "X-Forwarded-For: 203.0.113.7"),
                row(null, TRUSTED_PEER, "203.0.113.7", "X-Forwarded-For: 198.51.100.1, 203.0.113.7"),
                row(null, TRUSTED_PEER, "203.0.113.7", "X-Forwarded-For: 203.0.113.7, 10.0.0.2"),
                row(null, TRUSTED_PEER, "203.0.113.7", "X-Forwarded-For: 198.51.100.1",
                        "X-Forwarded-For: 203.0.113.7"),
                row(null, TRUSTED_PEER, "10.0.0.3", "X-Forwarded-For: 10.0.0.3, 10.0.0.2"),
                row(null, TRUSTED_PEER, "203.0.113.7", "X-Forwarded-For: not-an-address, 203.0.113.7"),
                row(null, TRUSTED_PEER, "203.0.113.7", "X-Forwarded-For: 203.0.113.7:8080"),
                row(null, TRUSTED_PEER, "2001:db8:0:0:0:0:0:1", "X-Forwarded-For: 2001:db8::1"),
                row(null, TRUSTED_PEER, "2001:db8:0:0:0:0:0:1", "X-Forwarded-For: [2001:db8::1]:443"),
                row(null, TRUSTED_PEER, "peer", "X-Forwarded-For: 203.0.113.7, not-an-address"),
                row(null, TRUSTED_PEER, "peer", "X-Forwarded-For: unknown"),
                row(null, TRUSTED_PEER, "peer", "X-Forwarded-For: localhost"),
                row(null, TRUSTED_PEER, "peer", "X-Forwarded-For: "),
                row(null, TRUSTED_PEER, "peer", "X-Forwarded-For: 203.0.113.7,"),
                row(null, TRUSTED_PEER, "peer", "X-Forwarded-For: 256.0.113.7"),
                row(null, TRUSTED_PEER, "peer", "X-Forwarded-For: 010.0.113.7"),
                row(null, TRUSTED_PEER, "peer", "X-Forwarded-For: 127.1"),
                row(null, TRUSTED_PEER, "peer", "X-Forwarded-For: 203.0.113.7:http"),
                row(null, TRUSTED_PEER, "peer", "X-Forwarded-For: [203.0.113.7]"),
                row(null, TRUSTED_PEER, "peer"),
                // The edges of an address: the highest octet, a bracketed IPv6 literal with and without a port.
                row(null, TRUSTED_PEER, "198.51.100.255", "X-Forwarded-For: 198.51.100.255"),
                row(null, TRUSTED_PEER, "2001:db8:0:0:0:0:0:1", "X-Forwarded-For: [2001:db8::1]"),
                row(null, TRUSTED_PEER, "peer", "X-Forwarded-For: [2001:db8::1]x"),
                row(null, TRUSTED_PEER, "peer", "X-Forwarded-For: [2001:db8::1]:"),
                row(null, TRUSTED_PEER, "peer", "X-Forwarded-For: [2001:db8::1]:443x"),
                row(null, TRUSTED_PEER, "peer", "X-Forwarded-For: [2001:db8::1"),
                row(null, TRUSTED_PEER, "peer", "X-Forwarded-For: 2001:db8::1]"),
                row(null, TRUSTED_PEER, "peer", "X-Forwarded-For: 203.0.113.7:"),
                row(null, TRUSTED_PEER, "peer", "X-Forwarded-For: 203.0.113.7:123456"),
                row(null, TRUSTED_PEER, "peer", "X-Forwarded-For: example.com:443"),
                // Every bit of a block's prefix counts, and none after it: 10.128.0.1 is in 10.0.0.0/8.
                row(null, TRUSTED_PEER, "203.0.113.7", "X-Forwarded-For: 203.0.113.7, 10.128.0.1"),
                row(null, "10.255.255.255", "203.0.113.7", "X-Forwarded-For: 203.0.113.7"),
                row(null, "11.0.0.1", "peer", "X-Forwarded-For: 203.0.113.7"),
                row(null, "9.255.255.255", "peer", "X-Forwarded-For: 203.0.113.7"),
                // Only the configured header: a client's own Forwarded or X-Real-IP is not read.
                row(null, TRUSTED_PEER, "peer", "Forwarded: for=198.51.100.9", "X-Real-IP: 198.51.100.9"),
                row(null, TRUSTED_PEER, "203.0.113.7", "Forwarded: for=198.51.100.9",
                        "X-Forwarded-For: 203.0.113.7"),
                row(null, UNTRUSTED_PEER, "peer", "X-Forwarded-For: 203.0.113.7"),
                row(null, UNTRUSTED_PEER, "peer", "X-Forwarded-For: 203.0.113.7", "Forwarded: for=203.0.113.8",
                        "X-Real-IP: 203.0.113.9"),
                // Forwarded (RFC 7239).
                row("Forwarded", TRUSTED_PEER, "203.0.113.7", "Forwarded: for=203.0.113.7"),
                row("forwarded", TRUSTED_PEER, "203.0.113.7", "Forwarded: For=203.0.113.7;proto=https;by=10.0.0.1"),
                row("Forwarded", TRUSTED_PEER, "203.0.113.7", "Forwarded: for=198.51.100.1, for=203.0.113.7"),
                row("Forwarded", TRUSTED_PEER, "203.0.113.7", "Forwarded: for=198.51.100.1",
                        "Forwarded: for=203.0.113.7"),
                row("Forwarded", TRUSTED_PEER, "203.0.113.7", "Forwarded: for=203.0.113.7, for=10.0.0.2"),
                row("Forwarded", TRUSTED_PEER, "2001:db8:0:0:0:0:0:9", "Forwarded: for=\"[2001:db8::9]:4711\""),
                row("Forwarded", TRUSTED_PEER, "203.0.113.7", "Forwarded: for=\"203.0.113.7:80\""),
                row("Forwarded", TRUSTED_PEER, "203.0.113.7",
                        "Forwarded: for=\"198.51.100.1, for=198.51.100.2\", for=203.0.113.7"),
                row("Forwarded", TRUSTED_PEER, "peer", "Forwarded: for=\"198.51.100.1", "Forwarded: for=203.0.113.7"),
                row("Forwarded", TRUSTED_PEER, "peer", "Forwarded: for=203.0.113.7;for=198.51.100.1"),
                row("Forwarded", TRUSTED_PEER, "peer", "Forwarded: for=unknown"),
                row("Forwarded", TRUSTED_PEER, "peer", "Forwarded: for=_hidden"),
                row("Forwarded", TRUSTED_PEER, "peer", "Forwarded: for=203.0.113.7, proto=https"),
                row("Forwarded", TRUSTED_PEER, "peer", "Forwarded: for=[2001:db8::9]"),
                row("Forwarded", TRUSTED_PEER, "peer", "Forwarded: for=203.0.113.7 x"),
                row("Forwarded", TRUSTED_PEER, "peer", "Forwarded: 203.0.113.7"),
                row("Forwarded", TRUSTED_PEER, "peer", "X-Forwarded-For: 203.0.113.7"),
                row("Forwarded", UNTRUSTED_PEER, "peer", "Forwarded: for=203.0.113.7"),
                // X-Real-IP: one address.
                row("X-Real-IP", TRUSTED_PEER, "203.0.113.7", "X-Real-IP: 203.0.113.7"),
                row("x-real-ip", TRUSTED_PEER, "10.0.0.2", "X-Real-IP: 10.0.0.2"),
                row("X-Real-IP", TRUSTED_PEER, "peer", "X-Real-IP: 203.0.113.7", "X-Real-IP: 198.51.100.1"),
                row("X-Real-IP", TRUSTED_PEER, "peer", "X-Real-IP: 203.0.113.7, 198.51.100.1"),
                row("X-Real-IP", TRUSTED_PEER, "peer", "X-Real-IP: example.com"),
                row("X-Real-IP", TRUSTED_PEER, "peer", "X-Forwarded-For: 203.0.113.7", "Forwarded: for=203.0.113.7"),
                row("X-Real-IP", UNTRUSTED_PEER, "peer", "X-Real-IP: 203.0.113.7"));
    }

    private static Arguments row(String configured, String peer, String expected, String... lines) {
        return Arguments.of(configured, peer, expected, List.of(lines));
    }

    @ParameterizedTest(name = "{0} from {1}: {3} -> {2}")
    @MethodSource("rows")
    void readsTheClientAddressFromTheConfiguredHeaderOfATrustedPeerOnly(String configured, String peer,
            String expected, List<String> lines) {
        ClientAddresses addresses = new ClientAddresses(new ClientAddressConfiguration(List.of("10.0.0.0/8"),
                configured));
        InetAddress address = addresses.of(InetAddress.ofLiteral(peer), headers(lines));
        assertThat(address.getHostAddress()).isEqualTo(expected.equals("peer") ? peer : expected);
    }

    @Test
    void blocksFromTheWholeAddressSpaceToOneAddressAreRead() {
        ClientAddresses everyone = new ClientAddresses(new ClientAddressConfiguration(List.of("0.0.0.0/0"), null));
        ClientAddresses one = new ClientAddresses(new ClientAddressConfiguration(List.of(" 10.0.0.1/32 ",
                "2001:db8::1"), null));
        HttpHeaders forwarded = headers(List.of("X-Forwarded-For: 203.0.113.7"));
        assertThat(everyone.of(InetAddress.ofLiteral("192.0.2.1"), forwarded).getHostAddress())
                .as("every IPv4 peer is trusted").isEqualTo("203.0.113.7");
        assertThat(everyone.of(InetAddress.ofLiteral("2001:db8::2"), forwarded).getHostAddress())
                .as("an IPv4 block holds no IPv6 peer").isEqualTo("2001:db8:0:0:0:0:0:2");
        assertThat(one.of(InetAddress.ofLiteral("10.0.0.1"), forwarded).getHostAddress()).isEqualTo("203.0.113.7");
        assertThat(one.of(InetAddress.ofLiteral("2001:db8::1"), forwarded).getHostAddress())
                .as("a block without a length is one address").isEqualTo("203.0.113.7");
        assertThat(one.of(InetAddress.ofLiteral("10.0.0.2"), forwarded).getHostAddress()).isEqualTo("10.0.0.2");
    }

    @ParameterizedTest
    @ValueSource(strings = {"10.0.0.0/33", "10.0.0.0/-1", "10.0.0.0/x", "fd00::/129", "example.com/8", "10.0.0/8",
        "010.0.0.0/8", ""})
    void aTrustedProxyThatIsNotACidrBlockStopsTheStart(String block) {
        assertThatThrownBy(() -> new ClientAddresses(new ClientAddressConfiguration(List.of(block), null)))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("ephemera.trusted-proxies");
    }

    @Test
    void aHeaderTheBrokerDoesNotReadStopsTheStartNamingThoseItDoes() {
        assertThatThrownBy(() -> new ClientAddresses(new ClientAddressConfiguration(List.of(), "True-Client-IP")))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("X-Forwarded-For, Forwarded, X-Real-IP");
    }

    @Test
    void aRequestsAddressIsItsPeersOrTheForwardedOne() {
        ClientAddresses addresses = new ClientAddresses(new ClientAddressConfiguration(List.of("10.0.0.0/8"), null));
        MutableHttpRequest<Object> request = HttpRequest.GET("/");
        request.header("X-Forwarded-For", "203.0.113.7");
        assertThat(addresses.of(from(request, new InetSocketAddress(InetAddress.ofLiteral(TRUSTED_PEER), 4711))))
                .isEqualTo("203.0.113.7");
        assertThat(addresses.of(from(request, new InetSocketAddress(InetAddress.ofLiteral(UNTRUSTED_PEER), 4711))))
                .isEqualTo(UNTRUSTED_PEER);
        assertThat(addresses.of(from(request, InetSocketAddress.createUnresolved("peer.example", 4711))))
                .as("a peer without an address is named as it is").isEqualTo("peer.example");
    }

    private static HttpRequest<Object> from(HttpRequest<Object> request, InetSocketAddress peer) {
        return new HttpRequestWrapper<Object>(request) {
            @Override
            public InetSocketAddress getRemoteAddress() {
                return peer;
            }
        };
    }

    static HttpHeaders headers(List<String> lines) {
        MutableHttpRequest<?> request = HttpRequest.GET("/");
        for (String line : lines) {
            int colon = line.indexOf(':');
            request.header(line.substring(0, colon), line.substring(colon + 1).trim());
        }
        return request.getHeaders();
    }
}

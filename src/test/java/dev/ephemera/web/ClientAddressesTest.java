package dev.ephemera.web;

import static org.assertj.core.api.Assertions.assertThat;

import io.micronaut.http.HttpHeaders;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.MutableHttpRequest;
import java.net.InetAddress;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

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

    static HttpHeaders headers(List<String> lines) {
        MutableHttpRequest<?> request = HttpRequest.GET("/");
        for (String line : lines) {
            int colon = line.indexOf(':');
            request.header(line.substring(0, colon), line.substring(colon + 1).trim());
        }
        return request.getHeaders();
    }
}

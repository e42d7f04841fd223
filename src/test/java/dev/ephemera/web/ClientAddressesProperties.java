package dev.ephemera.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * SPEC §7, for generated requests: whatever a client puts in headers other than the configured one, the address
 * is the same as without them; and from a peer that is not a trusted proxy, the address is the peer's whatever
 * any header says, the configured one included.
 */
class ClientAddressesProperties {

    private static final List<String> TRUSTED = List.of("10.0.0.0/8", "fd00::/8");
    private static final List<String> FORWARDING = List.of("X-Forwarded-For", "Forwarded", "X-Real-IP",
            "x-forwarded-for", "FORWARDED", "x-real-ip", "True-Client-IP", "X-Client-IP", "CF-Connecting-IP", "Via",
            "X-Forwarded-Host", "X-Original-Forwarded-For", "Fastly-Client-IP", "X-Cluster-Client-IP");

    /** A header line: a name and its value. */
    record Line(String name, String value) {
    }

    @Property(tries = 3000)
    void headersOtherThanTheConfiguredOneChangeNothing(@ForAll("headerNames") String configured,
            @ForAll("peers") String peer, @ForAll("values") List<String> configuredValues,
            @ForAll("lines") List<Line> others) {
        ClientAddresses addresses = new ClientAddresses(new ClientAddressConfiguration(TRUSTED, configured));
        List<String> alone = new ArrayList<>();
        configuredValues.forEach(v -> alone.add(configured + ": " + v));
        List<String> withOthers = new ArrayList<>(alone);
        others.stream().filter(l -> !l.name().equalsIgnoreCase(configured))
                .forEach(l -> withOthers.add(l.name() + ": " + l.value()));
        InetAddress from = InetAddress.ofLiteral(peer);
        assertThat(addresses.of(from, ClientAddressesTest.headers(withOthers)))
                .isEqualTo(addresses.of(from, ClientAddressesTest.headers(alone)));
    }

    @Property(tries = 2000)
    void anUntrustedPeerIsTheClientWhateverTheHeadersSay(@ForAll("headerNames") String configured,
            @ForAll("untrustedPeers") String peer, @ForAll("lines") List<Line> lines) {
        ClientAddresses addresses = new ClientAddresses(new ClientAddressConfiguration(TRUSTED, configured));
        List<String> sent = lines.stream().map(l -> l.name() + ": " + l.value()).toList();
        assertThat(addresses.of(InetAddress.ofLiteral(peer), ClientAddressesTest.headers(sent)).getHostAddress())
                .isEqualTo(InetAddress.ofLiteral(peer).getHostAddress());
    }

    @Provide
    Arbitrary<String> headerNames() {
        return Arbitraries.of("X-Forwarded-For", "Forwarded", "X-Real-IP");
    }

    @Provide
    Arbitrary<String> peers() {
        return Arbitraries.oneOf(untrustedPeers(), Arbitraries.of("10.0.0.1", "10.255.0.9", "fd00::1"));
    }

    @Provide
    Arbitrary<String> untrustedPeers() {
        return Arbitraries.of("192.0.2.1", "203.0.113.50", "127.0.0.1", "2001:db8::5", "::1", "11.0.0.1");
    }

    @Provide
    Arbitrary<List<String>> values() {
        return value().list().ofMaxSize(3);
    }

    @Provide
    Arbitrary<List<Line>> lines() {
        Arbitrary<String> names = Arbitraries.oneOf(Arbitraries.of(FORWARDING),
                Arbitraries.strings().withCharRange('a', 'z').withChars('-').ofMinLength(1).ofMaxLength(12));
        return Combinators.combine(names, value()).as(Line::new).list().ofMaxSize(6);
    }

    /** What a client or a proxy might write: addresses trusted or not, RFC 7239 pairs, and junk. */
    private static Arbitrary<String> value() {
        Arbitrary<String> address = Arbitraries.of("203.0.113.7", "198.51.100.1", "10.0.0.2", "10.9.9.9", "fd00::2",
                "2001:db8::1", "[2001:db8::1]:443", "203.0.113.7:80", "unknown", "_hidden", "localhost", "010.0.0.1",
                "");
        Arbitrary<String> pair = address.map(a -> Arbitraries.of("for=", "for=\"", "For=", "by=", "proto=https;for=")
                .sample() + a + (a.contains(":") ? "\"" : ""));
        // Printable ASCII: what a header value may hold.
        Arbitrary<String> junk = Arbitraries.strings().withCharRange(' ', '~').ofMaxLength(20);
        Arbitrary<String> one = Arbitraries.oneOf(address, pair, junk);
        return one.list().ofMinSize(1).ofMaxSize(4).map(parts -> String.join(", ", parts));
    }
}

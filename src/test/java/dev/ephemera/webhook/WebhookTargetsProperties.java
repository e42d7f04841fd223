package dev.ephemera.webhook;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * SPEC §11: an IPv6 address that embeds an IPv4 address is judged by the IPv4 address, in every form that embeds
 * one (IPv4-mapped, -compatible, -translated, NAT64, 6to4, Teredo's server and its inverted client). Private IPv4
 * addresses come from the blocks below, written out here independently of the broker's table; public ones are any
 * address outside them.
 */
class WebhookTargetsProperties {

    /** Blocks that must never be reached, as {first address, last address}. */
    private static final long[][] PRIVATE = {
        range(0, 0, 0, 0, 8), range(10, 0, 0, 0, 8), range(100, 64, 0, 0, 10), range(127, 0, 0, 0, 8),
        range(169, 254, 0, 0, 16), range(172, 16, 0, 0, 12), range(192, 0, 0, 0, 24), range(192, 0, 2, 0, 24),
        range(192, 88, 99, 0, 24), range(192, 168, 0, 0, 16), range(198, 18, 0, 0, 15), range(198, 51, 100, 0, 24),
        range(203, 0, 113, 0, 24), range(224, 0, 0, 0, 4), range(240, 0, 0, 0, 4)};

    /** The ways an IPv6 address carries an IPv4 one. */
    enum Form {
        MAPPED, COMPATIBLE, TRANSLATED, NAT64, SIX_TO_FOUR, TEREDO_SERVER, TEREDO_CLIENT
    }

    private static long[] range(int a, int b, int c, int d, int bits) {
        long first = ((long) a << 24) | (b << 16) | (c << 8) | d;
        return new long[] {first, first + (1L << (32 - bits)) - 1};
    }

    private static boolean isPrivate(long v4) {
        for (long[] block : PRIVATE) {
            if (v4 >= block[0] && v4 <= block[1]) {
                return true;
            }
        }
        return false;
    }

    @Provide
    Arbitrary<Long> privateIpv4() {
        return Arbitraries.of(List.of(PRIVATE)).flatMap(block -> Arbitraries.longs().between(block[0], block[1]));
    }

    @Provide
    Arbitrary<Long> publicIpv4() {
        return Arbitraries.longs().between(0, 0xffffffffL).filter(v4 -> !isPrivate(v4));
    }

    /** {@code v4} embedded as {@code form} says; a Teredo address's other IPv4 address is {@code other}. */
    private static byte[] embed(Form form, long v4, long other) {
        byte[] a = new byte[16];
        byte[] four = {(byte) (v4 >>> 24), (byte) (v4 >>> 16), (byte) (v4 >>> 8), (byte) v4};
        byte[] otherFour = {(byte) (other >>> 24), (byte) (other >>> 16), (byte) (other >>> 8), (byte) other};
        switch (form) {
            case MAPPED -> {
                a[10] = (byte) 0xff;
                a[11] = (byte) 0xff;
                System.arraycopy(four, 0, a, 12, 4);
            }
            case COMPATIBLE -> System.arraycopy(four, 0, a, 12, 4);
            case TRANSLATED -> {
                a[8] = (byte) 0xff;
                a[9] = (byte) 0xff;
                System.arraycopy(four, 0, a, 12, 4);
            }
            case NAT64 -> {
                a[1] = 0x64;
                a[2] = (byte) 0xff;
                a[3] = (byte) 0x9b;
                System.arraycopy(four, 0, a, 12, 4);
            }
            case SIX_TO_FOUR -> {
                a[0] = 0x20;
                a[1] = 0x02;
                System.arraycopy(four, 0, a, 2, 4);
                a[15] = 1;
            }
            case TEREDO_SERVER, TEREDO_CLIENT -> {
                a[0] = 0x20;
                a[1] = 0x01;
                byte[] server = form == Form.TEREDO_SERVER ? four : otherFour;
                byte[] client = form == Form.TEREDO_SERVER ? otherFour : four;
                System.arraycopy(server, 0, a, 4, 4);
                for (int i = 0; i < 4; i++) {
                    a[12 + i] = (byte) ~client[i];
                }
            }
            default -> throw new IllegalArgumentException(form.name());
        }
        return a;
    }

    /** The URL a subscriber would give: the address as an IPv6 literal in brackets. */
    private static String url(byte[] address) throws Exception {
        String text = Inet6Address.getByAddress(null, address, null).getHostAddress();
        return "https://[" + text + "]/hook";
    }

    @Property
    void anIpv6AddressEmbeddingAPrivateIpv4AddressIsRefused(@ForAll("privateIpv4") long v4, @ForAll Form form,
            @ForAll("publicIpv4") long other) throws Exception {
        byte[] address = embed(form, v4, other);
        assertThat(PublicAddresses.isPublic(InetAddress.getByAddress(address))).as(url(address)).isFalse();
        assertThatThrownBy(() -> new WebhookTargets(false).check(url(address))).as(url(address))
                .isInstanceOf(WebhookTargets.Refused.class);
        long[] dotted = {v4 >>> 24, (v4 >>> 16) & 0xff, (v4 >>> 8) & 0xff, v4 & 0xff};
        assertThatThrownBy(() -> new WebhookTargets(false).check("https://" + dotted[0] + "." + dotted[1] + "."
                + dotted[2] + "." + dotted[3] + "/hook")).isInstanceOf(WebhookTargets.Refused.class);
    }

    @Property
    void anIpv6AddressEmbeddingOnlyPublicIpv4AddressesPasses(@ForAll("publicIpv4") long v4, @ForAll Form form,
            @ForAll("publicIpv4") long other) throws Exception {
        byte[] address = embed(form, v4, other);
        assertThat(PublicAddresses.isPublic(InetAddress.getByAddress(address))).as(url(address)).isTrue();
        assertThat(new WebhookTargets(false).check(url(address)).addresses()).hasSize(1);
    }
}

package dev.ephemera.webhook;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * SPEC §11: which webhook URLs are refused. Addresses are literals, read without any lookup; a name is never looked up
 * when its host is an ambiguous IPv4 notation.
 */
class WebhookTargetsTest {

    private final AtomicInteger lookups = new AtomicInteger();

    private WebhookTargets targets(boolean allowPrivate) {
        return new WebhookTargets(allowPrivate, host -> {
            lookups.incrementAndGet();
            return InetAddress.getAllByName(host);
        });
    }

    @ParameterizedTest
    @ValueSource(strings = {"0177.0.0.1", "0x7f.1", "0x7f.0.0.1", "127.1", "127.0.1", "2130706433", "0x7f000001",
        "017700000001", "127.000.000.001", "127.0.0.01", "010.0.0.1", "1.2.3.4.5", "127.0.0.1.", "0X7F.0.0.1",
        "256.0.0.1", "1.2.3.0x4", "host.123", "93.184.215.014"})
    void ambiguousIpv4NotationsAreRefusedWithoutALookup(String host) {
        for (boolean allowPrivate : new boolean[] {false, true}) {
            assertThatThrownBy(() -> targets(allowPrivate).check("https://" + host + "/hook")).as(host)
                    .isInstanceOf(WebhookTargets.Refused.class);
            assertThatThrownBy(() -> targets(allowPrivate).check("https://" + host + ":8443/hook")).as(host)
                    .isInstanceOf(WebhookTargets.Refused.class);
        }
        assertThat(lookups).hasValue(0);
    }

    @ParameterizedTest
    @ValueSource(strings = {"0.1.2.3", "10.0.0.1", "100.64.0.1", "100.127.255.254", "127.0.0.1", "127.255.255.255",
        "169.254.169.254", "172.16.0.1", "172.31.255.255", "192.0.0.8", "192.0.2.1", "192.88.99.1", "192.168.1.1",
        "198.18.0.1", "198.19.255.255", "198.51.100.7", "203.0.113.9", "224.0.0.1", "239.255.255.250", "240.0.0.1",
        "255.255.255.255", "[::]", "[::1]", "[fc00::1]", "[fd12:3456::1]", "[fe80::1]", "[febf::1]", "[fec0::1]",
        "[ff02::1]", "[2001:db8::1]", "[100::1]", "[2001:2::1]", "[2001:10::1]", "[2001:20::1]", "[3fff::1]",
        "[::ffff:127.0.0.1]", "[::ffff:10.0.0.1]", "[::127.0.0.1]", "[::169.254.169.254]", "[::ffff:0:a9fe:a9fe]",
        "[64:ff9b::127.0.0.1]", "[64:ff9b::a9fe:a9fe]", "[64:ff9b:1::8.8.8.8]", "[2002:7f00:1::]",
        "[2002:a9fe:a9fe::1]", "[2002:c0a8:101::]", "[2001:0:7f00:1::]", "[2001:0:808:808::80ff:fefe]"})
    void nonPublicAddressesAndThoseEmbeddingOneAreRefused(String host) {
        assertThatThrownBy(() -> targets(false).check("https://" + host + "/hook")).as(host)
                .isInstanceOf(WebhookTargets.Refused.class);
    }

    @ParameterizedTest
    @ValueSource(strings = {"93.184.215.14", "8.8.8.8", "1.1.1.1", "100.63.255.255", "100.128.0.1", "172.15.0.1",
        "172.32.0.1", "192.0.1.1", "198.17.0.1", "198.20.0.1", "223.255.255.255", "[2606:4700::1111]",
        "[::ffff:8.8.8.8]", "[64:ff9b::8.8.8.8]", "[2002:808:808::1]", "[2001:0:808:808::f7f7:f7f7]"})
    void publicAddressesPass(String host) throws Exception {
        WebhookTargets.Target target = targets(false).check("https://" + host + "/hook");
        assertThat(target.addresses()).hasSize(1);
        assertThat(target.port()).isEqualTo(443);
    }

    @ParameterizedTest
    @ValueSource(strings = {"http://8.8.8.8/hook", "ftp://8.8.8.8/hook", "https://u:p@8.8.8.8/hook",
        "https://8.8.8.8/hook#x", "https://8.8.8.8:0/hook", "https://8.8.8.8:70000/hook", "/hook", "https:///hook"})
    void otherUrlsAreRefused(String url) {
        assertThatThrownBy(() -> targets(false).check(url)).as(url).isInstanceOf(WebhookTargets.Refused.class);
    }

    @ParameterizedTest
    @ValueSource(strings = {"no-such-host.invalid"})
    void aNameThatDoesNotResolveIsRefused(String host) {
        WebhookTargets none = new WebhookTargets(false, name -> {
            throw new UnknownHostException(name);
        });
        assertThatThrownBy(() -> none.check("https://" + host + "/hook")).isInstanceOf(WebhookTargets.Refused.class);
    }

    @Test
    void anIpv6LiteralIsLookedUpAndNamedWithoutItsBrackets() throws Exception {
        List<String> asked = new ArrayList<>();
        WebhookTargets recording = new WebhookTargets(false, host -> {
            asked.add(host);
            return InetAddress.getAllByName(host);
        });
        WebhookTargets.Target target = recording.check("https://[2606:4700::1111]:8443/hook");
        assertThat(asked).containsExactly("2606:4700::1111");
        assertThat(target.host()).isEqualTo("2606:4700::1111");
        assertThat(target.port()).isEqualTo(8443);
        assertThat(target.https()).isTrue();
        assertThat(target.addresses()).containsExactly(InetAddress.ofLiteral("2606:4700::1111"));
    }

    @Test
    void everyAddressANameResolvesToMustBePublic() throws Exception {
        InetAddress good = InetAddress.ofLiteral("93.184.215.14");
        WebhookTargets mixed = new WebhookTargets(false, host -> new InetAddress[] {good,
                InetAddress.ofLiteral("::ffff:169.254.169.254")});
        assertThatThrownBy(() -> mixed.check("https://hooks.example.com/x")).isInstanceOf(WebhookTargets.Refused.class);
        WebhookTargets clean = new WebhookTargets(false, host -> new InetAddress[] {good,
                InetAddress.ofLiteral("2606:4700::1111")});
        WebhookTargets.Target target = clean.check("https://hooks.example.com/x");
        assertThat(target.host()).isEqualTo("hooks.example.com");
        assertThat(target.addresses()).hasSize(2);
    }

    @Test
    void aResolverThatGivesNothingOrFailsRefuses() {
        for (WebhookTargets.Resolver nothing : List.<WebhookTargets.Resolver>of(host -> new InetAddress[0],
                host -> null, host -> {
                    throw new IllegalArgumentException(host);
                })) {
            assertThatThrownBy(() -> new WebhookTargets(false, nothing).check("https://hooks.example.com/x"))
                    .isInstanceOf(WebhookTargets.Refused.class);
        }
    }

    @Test
    void theHighestPortIsAllowed() throws Exception {
        assertThat(targets(false).check("https://8.8.8.8:65535/hook").port()).isEqualTo(65_535);
        assertThat(targets(false).check("https://8.8.8.8:1/hook").port()).isEqualTo(1);
    }

    @Test
    void allowingPrivateTargetsAllowsPlainHttpAndPrivateAddressesButNoOtherScheme() throws Exception {
        WebhookTargets.Target http = targets(true).check("http://127.0.0.1:8080/hook");
        assertThat(http.https()).isFalse();
        assertThat(http.port()).isEqualTo(8080);
        assertThat(targets(true).check("HTTP://127.0.0.1/hook").port()).isEqualTo(80);
        assertThat(targets(true).check("https://[::1]/hook").port()).isEqualTo(443);
        assertThatThrownBy(() -> targets(true).check("ftp://127.0.0.1/hook"))
                .isInstanceOf(WebhookTargets.Refused.class);
        assertThatThrownBy(() -> targets(true).check("https://u@127.0.0.1/hook"))
                .isInstanceOf(WebhookTargets.Refused.class);
        assertThatThrownBy(() -> targets(false).check("http://127.0.0.1/hook"))
                .isInstanceOf(WebhookTargets.Refused.class);
    }
}

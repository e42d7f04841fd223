package dev.ephemera.webhook;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.ExtendedSSLSession;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * SPEC §11: a delivery connects to the address that was checked. The name's resolution is the test's (a public
 * address on the first lookup, 127.0.0.1 on any later one: DNS rebinding), and so is the TCP dial (it notes the
 * address asked for and reaches the local TLS receiver instead: the tests reach no other host); the check,
 * the choice of address, TLS (server name, certificate name) and the HTTP/1.1 request are the broker's own.
 */
class WebhookSenderTest {

    private static final String NAME = "hooks.example.test";
    private static final InetAddress PUBLIC = address("93.184.215.14");

    private SSLContext serverTls;
    private SSLContext clientTls;
    private SSLServerSocket server;
    private final List<String> requests = new CopyOnWriteArrayList<>();
    private final List<String> serverNames = new CopyOnWriteArrayList<>();
    private final List<InetSocketAddress> dialed = new CopyOnWriteArrayList<>();
    private final AtomicInteger lookups = new AtomicInteger();

    private static InetAddress address(String literal) {
        try {
            return InetAddress.getByName(literal);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @BeforeEach
    void start() throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(256);
        KeyPair pair = generator.generateKeyPair();
        X500Name subject = new X500Name("CN=" + NAME);
        Instant now = Instant.now();
        var builder = new JcaX509v3CertificateBuilder(subject, BigInteger.valueOf(now.toEpochMilli()),
                Date.from(now.minus(Duration.ofMinutes(5))), Date.from(now.plus(Duration.ofDays(1))), subject,
                pair.getPublic());
        builder.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(
                new GeneralName(GeneralName.dNSName, NAME)));
        X509Certificate cert = new JcaX509CertificateConverter().getCertificate(
                builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(pair.getPrivate())));
        KeyStore keys = KeyStore.getInstance("PKCS12");
        keys.load(null, null);
        keys.setKeyEntry("hook", pair.getPrivate(), "pw".toCharArray(), new X509Certificate[] {cert});
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(keys, "pw".toCharArray());
        serverTls = SSLContext.getInstance("TLS");
        serverTls.init(kmf.getKeyManagers(), null, null);
        KeyStore trusted = KeyStore.getInstance("PKCS12");
        trusted.load(null, null);
        trusted.setCertificateEntry("hook", cert);
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trusted);
        clientTls = SSLContext.getInstance("TLS");
        clientTls.init(null, tmf.getTrustManagers(), null);

        server = (SSLServerSocket) serverTls.getServerSocketFactory().createServerSocket(0, 50,
                InetAddress.getLoopbackAddress());
        Thread.ofVirtual().start(this::serve);
    }

    /** Answers every request 100 Continue, then 204; notes the request's head and the TLS server name asked for. */
    private void serve() {
        while (!server.isClosed()) {
            try (SSLSocket socket = (SSLSocket) server.accept()) {
                socket.startHandshake();
                ((ExtendedSSLSession) socket.getSession()).getRequestedServerNames().forEach(n ->
                        serverNames.add(((SNIHostName) n).getAsciiName()));
                BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(),
                        StandardCharsets.ISO_8859_1));
                StringBuilder head = new StringBuilder();
                int length = 0;
                for (String line = in.readLine(); line != null && !line.isEmpty(); line = in.readLine()) {
                    head.append(line).append('\n');
                    if (line.toLowerCase(java.util.Locale.ROOT).startsWith("content-length:")) {
                        length = Integer.parseInt(line.substring(15).trim());
                    }
                }
                char[] body = new char[length];
                for (int read = 0; read < length; ) {
                    read += in.read(body, read, length - read);
                }
                requests.add(head + "\n" + new String(body));
                OutputStream out = socket.getOutputStream();
                out.write("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n"
                        .getBytes(StandardCharsets.US_ASCII));
                out.flush();
            } catch (IOException e) {
                // A refused handshake, or the server closed: the test looks at what was noted.
            }
        }
    }

    @AfterEach
    void stop() throws IOException {
        server.close();
    }

    /** The rebinding name: public on the first lookup, loopback on every later one. */
    private InetAddress[] rebinding(String host) throws java.net.UnknownHostException {
        if (!host.equals(NAME)) {
            throw new java.net.UnknownHostException(host);
        }
        return new InetAddress[] {lookups.getAndIncrement() == 0 ? PUBLIC : InetAddress.getLoopbackAddress()};
    }

    /** Dials the local receiver, whatever address is asked for, noting the one asked for. */
    private Socket dial(InetSocketAddress address, int timeoutMillis) throws IOException {
        dialed.add(address);
        return WebhookSender.PLAIN.dial(new InetSocketAddress(InetAddress.getLoopbackAddress(),
                server.getLocalPort()), timeoutMillis);
    }

    private WebhookSender sender() {
        return new WebhookSender(new WebhookTargets(false, this::rebinding), this::dial,
                clientTls.getSocketFactory());
    }

    @Test
    void connectsToTheAddressCheckedWithTheNamesHostAndTlsServerName() throws Exception {
        int status = sender().post("https://" + NAME + "/hooks/in?x=1", Map.of("webhook-id", "msg_1"), "{\"a\":1}");

        assertThat(status).isEqualTo(204);
        assertThat(lookups).as("one lookup, for the check").hasValue(1);
        assertThat(dialed).containsExactly(new InetSocketAddress(PUBLIC, 443));
        assertThat(serverNames).containsExactly(NAME);
        assertThat(requests).hasSize(1);
        String request = requests.get(0);
        assertThat(request).startsWith("POST /hooks/in?x=1 HTTP/1.1\n").contains("Host: " + NAME + "\n")
                .contains("webhook-id: msg_1\n").contains("Content-Length: 7\n").endsWith("\n{\"a\":1}")
                .doesNotContainIgnoringCase("upgrade");
    }

    @Test
    void aNameThatRebindsToLoopbackIsRefusedAtItsNextCheck() throws Exception {
        WebhookSender sender = sender();
        assertThat(sender.post("https://" + NAME + "/hook", Map.of(), "{}")).isEqualTo(204);

        assertThatThrownBy(() -> sender.post("https://" + NAME + "/hook", Map.of(), "{}"))
                .isInstanceOf(WebhookTargets.Refused.class);
        assertThat(dialed).as("nothing dialled after the refusal").hasSize(1);
    }

    @Test
    void aCertificateForAnotherNameIsRefused() {
        WebhookSender sender = new WebhookSender(new WebhookTargets(false, host -> new InetAddress[] {PUBLIC}),
                this::dial, clientTls.getSocketFactory());

        assertThatThrownBy(() -> sender.post("https://other.example.test/hook", Map.of(), "{}"))
                .isInstanceOf(SSLException.class);
        assertThat(requests).isEmpty();
        assertThat(new ArrayList<>(dialed)).containsExactly(new InetSocketAddress(PUBLIC, 443));
    }
}

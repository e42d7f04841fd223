package dev.ephemera.webhook;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ProtocolException;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;

/**
 * Sends one webhook request: its target checked ({@link WebhookTargets#check}, one resolution), then a connection to
 * one of the addresses checked, TLS for {@code https} with the URL's host as server name and as the name the
 * certificate must carry, and one HTTP/1.1 {@code POST} with {@code Connection: close}; the answer's status is all
 * that is read. Blocking: call on a virtual thread.
 *
 * <p>Our own, because neither client at hand keeps the rule "connect to the address that was checked": the JDK's
 * {@code HttpClient} resolves the URL's host itself (a second lookup, which a rebinding name answers with another
 * address) and offers {@code http} targets an {@code Upgrade: h2c}; Micronaut's Netty client takes a resolver only
 * through a package-private builder method. A request without redirects, one body and one status line is small.
 */
final class WebhookSender {

    /** Opens a TCP connection: the system's, or a test's. */
    @FunctionalInterface
    interface Dialer {
        Socket dial(InetSocketAddress address, int timeoutMillis) throws IOException;
    }

    static final Dialer PLAIN = (address, timeoutMillis) -> {
        Socket socket = new Socket();
        try {
            socket.connect(address, timeoutMillis);
            return socket;
        } catch (IOException e) {
            socket.close();
            throw e;
        }
    };

    private static final int CONNECT_TIMEOUT_MILLIS = 5_000;
    /** The whole exchange, from the first connection attempt to the status line. */
    private static final Duration TIMEOUT = Duration.ofSeconds(10);
    /** The most read of the answer: the status line and the headers of informational (1xx) answers before it. */
    private static final int MAX_HEAD_BYTES = 16 * 1024;

    private final WebhookTargets targets;
    private final Dialer dialer;
    private final SSLSocketFactory tls;

    WebhookSender(WebhookTargets targets, Dialer dialer, SSLSocketFactory tls) {
        this.targets = targets;
        this.dialer = dialer;
        this.tls = tls;
    }

    /**
     * POSTs {@code body} with {@code headers} to {@code url}; the answer's status code.
     *
     * @throws WebhookTargets.Refused  the target may not be reached
     * @throws SocketTimeoutException  no answer within 10 s
     * @throws IOException             no connection to any address checked, TLS failed, or the answer is not HTTP
     */
    int post(String url, Map<String, String> headers, String body) throws WebhookTargets.Refused, IOException {
        WebhookTargets.Target target = targets.check(url);
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        IOException failed = new ConnectException("No address of the target answered.");
        for (InetAddress address : target.addresses()) {
            Socket socket;
            try {
                socket = dialer.dial(new InetSocketAddress(address, target.port()), CONNECT_TIMEOUT_MILLIS);
            } catch (IOException e) {
                failed = e;
                continue;
            }
            try (Socket connection = target.https() ? secured(socket, target) : socket) {
                return exchange(connection, target, headers, body.getBytes(StandardCharsets.UTF_8), deadline);
            } finally {
                socket.close();
            }
        }
        throw failed;
    }

    private SSLSocket secured(Socket socket, WebhookTargets.Target target) throws IOException {
        SSLSocket secured = (SSLSocket) tls.createSocket(socket, target.host(), target.port(), true);
        SSLParameters parameters = secured.getSSLParameters();
        parameters.setEndpointIdentificationAlgorithm("HTTPS");
        parameters.setApplicationProtocols(new String[] {"http/1.1"});
        if (!isLiteral(target.host())) {
            parameters.setServerNames(List.of(new SNIHostName(target.host())));
        }
        secured.setSSLParameters(parameters);
        secured.setSoTimeout(CONNECT_TIMEOUT_MILLIS);
        secured.startHandshake();
        return secured;
    }

    private static boolean isLiteral(String host) {
        return host.indexOf(':') >= 0 || host.chars().allMatch(c -> c == '.' || c >= '0' && c <= '9');
    }

    private static int exchange(Socket connection, WebhookTargets.Target target, Map<String, String> headers,
            byte[] body, long deadline) throws IOException {
        StringBuilder head = new StringBuilder("POST ");
        String path = target.uri().getRawPath() == null || target.uri().getRawPath().isEmpty() ? "/"
                : target.uri().getRawPath();
        head.append(path).append(target.uri().getRawQuery() == null ? "" : "?" + target.uri().getRawQuery())
                .append(" HTTP/1.1\r\n");
        String host = target.host().indexOf(':') >= 0 ? "[" + target.host() + "]" : target.host();
        boolean defaultPort = target.port() == (target.https() ? 443 : 80);
        head.append("Host: ").append(host).append(defaultPort ? "" : ":" + target.port()).append("\r\n");
        headers.forEach((name, value) -> head.append(name).append(": ").append(value).append("\r\n"));
        head.append("Content-Length: ").append(body.length).append("\r\nConnection: close\r\n\r\n");
        OutputStream out = connection.getOutputStream();
        out.write(head.toString().getBytes(StandardCharsets.US_ASCII));
        out.write(body);
        out.flush();
        return status(new BufferedInputStream(connection.getInputStream()), connection, deadline);
    }

    /** The final answer's status code; informational answers before it are skipped. */
    private static int status(InputStream in, Socket connection, long deadline) throws IOException {
        int[] read = {0};
        while (true) {
            String line = line(in, connection, deadline, read);
            if (!line.matches("HTTP/1\\.[01] [1-5][0-9][0-9]( .*)?")) {
                throw new ProtocolException("The answer is not HTTP/1.1.");
            }
            int status = Integer.parseInt(line.substring(9, 12));
            if (status >= 200) {
                return status;
            }
            // An informational answer's headers, up to the blank line that ends them.
            String header;
            do {
                header = line(in, connection, deadline, read);
            } while (!header.isEmpty());
        }
    }

    /** One line of the answer's head, without its line end; the head is bounded, and so is the time. */
    private static String line(InputStream in, Socket connection, long deadline, int[] read) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        while (true) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new SocketTimeoutException("No answer in time.");
            }
            connection.setSoTimeout((int) Math.max(1, Math.min(Integer.MAX_VALUE, left / 1_000_000)));
            int b = in.read();
            if (b < 0) {
                throw new ProtocolException("The answer ended early.");
            }
            if (++read[0] > MAX_HEAD_BYTES) {
                throw new ProtocolException("The answer's head is too long.");
            }
            if (b == '\n') {
                String text = line.toString(StandardCharsets.ISO_8859_1);
                return text.endsWith("\r") ? text.substring(0, text.length() - 1) : text;
            }
            line.write(b);
        }
    }
}

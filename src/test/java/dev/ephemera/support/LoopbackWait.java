package dev.ephemera.support;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.function.IntPredicate;
import org.testcontainers.containers.ContainerLaunchException;
import org.testcontainers.containers.wait.strategy.AbstractWaitStrategy;

/**
 * A container is ready when a check passes on one of its ports as published on 127.0.0.1: Redis answers
 * {@code PING}, a probe's path answers 200. Testcontainers' own port check runs a shell in the container, which
 * neither image has, and connects to its idea of the engine's host, which is not loopback where the tests run in a
 * container themselves (it reads {@code /.dockerenv}); these ask 127.0.0.1, as the tests do. A container that exits
 * while it is awaited fails the start at once, with its log.
 */
public final class LoopbackWait extends AbstractWaitStrategy {

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();

    private final int port;
    private final String what;
    private final IntPredicate ready;

    private LoopbackWait(int port, String what, IntPredicate ready) {
        this.port = port;
        this.what = what;
        this.ready = ready;
    }

    /** Ready when Redis (or a Sentinel) on container port {@code port} answers PING. */
    public static LoopbackWait redisPing(int port) {
        return new LoopbackWait(port, "PING", LoopbackWait::pong);
    }

    /** Ready when {@code GET path} on container port {@code port} answers 200. */
    public static LoopbackWait http200(int port, String path) {
        return new LoopbackWait(port, "GET " + path, published -> status(published, path) == 200);
    }

    /** The status of {@code GET path} on loopback {@code port}, or -1 when there is no answer within 2 s. */
    public static int status(int port, String path) {
        try {
            return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                    .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    @Override
    protected void waitUntilReady() {
        int published = waitStrategyTarget.getMappedPort(port);
        long deadline = System.nanoTime() + startupTimeout.toNanos();
        while (!ready.test(published)) {
            if (!waitStrategyTarget.isRunning()) {
                throw new ContainerLaunchException("the container exited; its log:\n" + waitStrategyTarget.getLogs());
            }
            if (System.nanoTime() > deadline) {
                throw new ContainerLaunchException(what + " on 127.0.0.1:" + published + " did not pass within "
                        + startupTimeout + "; the container's log:\n" + waitStrategyTarget.getLogs());
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new ContainerLaunchException("interrupted", e);
            }
        }
    }

    private static boolean pong(int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 1000);
            socket.setSoTimeout(1000);
            socket.getOutputStream().write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
            return new String(socket.getInputStream().readNBytes(5), StandardCharsets.US_ASCII).equals("+PONG");
        } catch (IOException e) {
            return false;
        }
    }
}

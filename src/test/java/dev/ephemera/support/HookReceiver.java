package dev.ephemera.support;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;

/** A webhook receiver on a free loopback port: it keeps each delivery's body and answers 204. */
public final class HookReceiver implements AutoCloseable {

    /** The bodies delivered so far, in order. */
    public final List<String> received = new CopyOnWriteArrayList<>();
    private final HttpServer server;

    public HookReceiver() {
        try {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/hook", exchange -> {
            received.add(new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
            exchange.sendResponseHeaders(204, -1);
            exchange.close();
        });
        server.start();
    }

    /** The URL to subscribe ({@code http}: with allow-private-targets only). */
    public String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/hook";
    }

    /** Whether a delivery so far holds {@code text}. */
    public boolean got(String text) {
        return received.stream().anyMatch(body -> body.contains(text));
    }

    @Override
    public void close() {
        server.stop(0);
    }
}

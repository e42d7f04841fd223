package dev.ephemera.support;

import java.io.File;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.GenericContainer;

/**
 * The real Redis the tests run against, found as SPEC §9 says: {@code REDIS_URI}, else Testcontainers where
 * Docker runs, else a local {@code redis-server} binary started on a free port. With none of these the tests
 * fail, saying how to get one: a Redis test that silently skips proves nothing.
 */
public final class TestRedis {

    private static String uri;

    private TestRedis() {
    }

    /** {@code redis://host:port} of a Redis for this test run; started on first use, stopped at JVM exit. */
    public static synchronized String uri() {
        if (uri == null) {
            uri = find();
        }
        return uri;
    }

    /** Host and port of {@link #uri()}. */
    public static InetSocketAddress address() {
        java.net.URI u = java.net.URI.create(uri());
        return new InetSocketAddress(u.getHost(), u.getPort());
    }

    private static String find() {
        String fromEnv = System.getenv("REDIS_URI");
        if (fromEnv != null && !fromEnv.isBlank()) {
            return fromEnv;
        }
        if (dockerAvailable()) {
            GenericContainer<?> redis = new GenericContainer<>("redis:7-alpine").withExposedPorts(6379);
            redis.start();
            Runtime.getRuntime().addShutdownHook(new Thread(redis::stop));
            return "redis://" + redis.getHost() + ":" + redis.getMappedPort(6379);
        }
        String binary = findOnPath("redis-server");
        if (binary != null) {
            return startLocal(binary);
        }
        throw new IllegalStateException("No Redis for the tests. Set REDIS_URI=redis://host:port, run Docker for "
                + "Testcontainers, or install redis-server (Debian/Ubuntu: apt-get install -y redis-server; "
                + "macOS: brew install redis).");
    }

    private static boolean dockerAvailable() {
        try {
            return DockerClientFactory.instance().isDockerAvailable();
        } catch (RuntimeException | LinkageError e) {
            return false;
        }
    }

    /** The executable {@code name} on the PATH (or in the usual bin folders), or null. */
    public static String findOnPath(String name) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            Path candidate = Path.of(dir, name);
            if (Files.isExecutable(candidate)) {
                return candidate.toString();
            }
        }
        for (String dir : List.of("/usr/bin", "/usr/local/bin", "/usr/sbin", "/opt/homebrew/bin")) {
            Path candidate = Path.of(dir, name);
            if (Files.isExecutable(candidate)) {
                return candidate.toString();
            }
        }
        return null;
    }

    /** Starts a throwaway redis-server: no persistence, loopback only, with {@code extra} arguments. */
    public static String startLocal(String binary, String... extra) {
        int port = freePort();
        try {
            Path dir = Files.createTempDirectory("ephemera-redis");
            java.util.List<String> command = new java.util.ArrayList<>(java.util.List.of(binary, "--port",
                    Integer.toString(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir",
                    dir.toString(), "--protected-mode", "yes"));
            command.addAll(java.util.List.of(extra));
            Process process = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(dir.resolve("redis.log").toFile())
                    .start();
            Runtime.getRuntime().addShutdownHook(new Thread(process::destroy));
            waitForPort(port, Duration.ofSeconds(10));
            return "redis://127.0.0.1:" + port;
        } catch (IOException e) {
            throw new IllegalStateException("Could not start " + binary + ": " + e.getMessage(), e);
        }
    }

    public static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            socket.setReuseAddress(true);
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void waitForPort(int port, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            try {
                new Socket("127.0.0.1", port).close();
                return;
            } catch (IOException e) {
                try {
                    Thread.sleep(50);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
        throw new IllegalStateException("redis-server did not open port " + port);
    }
}

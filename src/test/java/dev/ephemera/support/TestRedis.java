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
import org.slf4j.LoggerFactory;

/**
 * The real Redis the tests run against, found as SPEC §9 says: {@code EPHEMERA_TEST_REDIS_URI} (never
 * {@code REDIS_URI}, which names a broker's real store), else a container of the tests' Redis image
 * ({@link TestImages#REDIS}, built here from the distribution's redis-server) where a container engine runs
 * ({@link ContainerEngine}: Docker, or podman's socket), else a local {@code redis-server} binary started on a free
 * port, else the Redis binary that the {@code embedded-redis} test dependency ships for this platform, started the
 * same way. Always a real server, never a mock. Tests that pause,
 * flush or scan Redis use {@link #ownUri()}: one the tests started themselves. {@code -Dephemera.test.redis-server}
 * names the binary instead ({@code embedded} for the shipped one): the check that a machine with only a JDK passes.
 */
public final class TestRedis {

    /** Names the Redis to use instead of starting one; it must be one that tests may write to. */
    public static final String ENV = "EPHEMERA_TEST_REDIS_URI";

    /** Names the redis-server to start, before a container and the PATH: a file, or {@code embedded}. */
    public static final String SERVER_PROPERTY = "ephemera.test.redis-server";

    private static final String EMBEDDED = "embedded";

    private static String uri;
    private static boolean started;
    private static String own;
    private static String embedded;

    private TestRedis() {
    }

    /** {@code redis://host:port} of a Redis for this test run; started on first use, stopped at JVM exit. */
    public static synchronized String uri() {
        if (uri == null) {
            String fromEnv = System.getenv(ENV);
            if (fromEnv != null && !fromEnv.isBlank()) {
                uri = fromEnv;
            } else {
                uri = start();
                started = true;
            }
        }
        return uri;
    }

    /**
     * A Redis that these tests started and nobody else uses, for the tests that pause it, flush its scripts or list
     * its keys: {@link #uri()} when the tests started that one, else one more started now.
     */
    public static synchronized String ownUri() {
        uri();
        if (started) {
            return uri;
        }
        if (own == null) {
            own = start();
        }
        return own;
    }

    /** Host and port of {@link #uri()}. */
    public static InetSocketAddress address() {
        java.net.URI u = java.net.URI.create(uri());
        return new InetSocketAddress(u.getHost(), u.getPort());
    }

    private static String start() {
        if (System.getProperty(SERVER_PROPERTY, "").isBlank() && ContainerEngine.available()) {
            try {
                return RedisContainers.standalone();
            } catch (IllegalStateException e) {
                // No image to run (it is built from this machine's redis-server): CI must run the container.
                if ("true".equals(System.getenv("CI"))) {
                    throw e;
                }
                LoggerFactory.getLogger(TestRedis.class).warn("A container engine runs, but not the tests' Redis "
                        + "image ({}); a local redis-server instead", e.getMessage());
            }
        }
        String binary = serverBinary();
        if (binary != null) {
            return startLocal(binary);
        }
        throw new IllegalStateException("No Redis for the tests. Set " + ENV + "=redis://host:port (a Redis the "
                + "tests may write to), run a container engine (README: the container tests), or install "
                + "redis-server (Debian/Ubuntu: apt-get install -y redis-server; macOS: brew install redis).");
    }

    /**
     * A redis-server to start: the one {@link #SERVER_PROPERTY} names, else the one on the PATH, else
     * {@link #embeddedBinary()}; null when there is none.
     */
    public static String serverBinary() {
        String named = System.getProperty(SERVER_PROPERTY, "");
        if (named.equals(EMBEDDED)) {
            return embeddedBinary();
        }
        if (!named.isBlank()) {
            if (!Files.isExecutable(Path.of(named))) {
                throw new IllegalStateException("-D" + SERVER_PROPERTY + "=" + named + " is not an executable file");
            }
            return named;
        }
        String onPath = findOnPath("redis-server");
        return onPath != null ? onPath : embeddedBinary();
    }

    /**
     * The redis-server that {@code com.github.codemonstur:embedded-redis} ships for this platform (Redis 6.2),
     * copied out of its jar once and made executable; null where it ships none.
     */
    public static synchronized String embeddedBinary() {
        if (embedded == null) {
            embedded = copyEmbeddedBinary();
        }
        return embedded;
    }

    private static String copyEmbeddedBinary() {
        String os = System.getProperty("os.name").toLowerCase(java.util.Locale.ROOT);
        String arch = System.getProperty("os.arch");
        String name = os.contains("linux") && (arch.equals("amd64") || arch.equals("x86_64"))
                ? "redis-server-6.2.6-v5-linux-amd64"
                : os.contains("linux") && arch.equals("aarch64") ? "redis-server-6.2.7-linux-arm64"
                : os.contains("mac") && arch.equals("aarch64") ? "redis-server-6.2.6-v5-darwin-arm64"
                : os.contains("mac") ? "redis-server-6.2.6-v5-darwin-amd64" : null;
        if (name == null) {
            return null;
        }
        try (var in = TestRedis.class.getResourceAsStream("/" + name)) {
            if (in == null) {
                return null;
            }
            Path binary = Files.createTempDirectory("ephemera-embedded-redis").resolve("redis-server");
            Files.copy(in, binary);
            if (!binary.toFile().setExecutable(true)) {
                return null;
            }
            return binary.toString();
        } catch (IOException e) {
            return null;
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
        return startLocal(binary, freePort(), extra);
    }

    /** {@link #startLocal(String, String...)} on {@code port}. */
    public static String startLocal(String binary, int port, String... extra) {
        try {
            Path dir = Files.createTempDirectory("ephemera-redis");
            java.util.List<String> command = new java.util.ArrayList<>(java.util.List.of(binary, "--port",
                    Integer.toString(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir",
                    dir.toString(), "--protected-mode", "yes"));
            command.addAll(java.util.List.of(extra));
            Process process = Processes.builder(command)
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

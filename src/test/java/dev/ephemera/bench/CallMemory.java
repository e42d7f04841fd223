package dev.ephemera.bench;

import dev.ephemera.session.LiveSessions;
import dev.ephemera.session.Receipt;
import dev.ephemera.session.SessionStore;
import dev.ephemera.support.Broker;
import dev.ephemera.support.Processes;
import dev.ephemera.support.TestRedis;
import io.micronaut.http.netty.channel.EventLoopGroupRegistry;
import java.io.BufferedReader;
import java.io.File;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.TreeMap;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Memory and threads per watched WebRTC call (issue 28): one broker in this JVM (on Redis, or with
 * {@code -Dstore=memory} its in-memory store), the fake provider in a child JVM ({@link FakeProviderProcess}) so that
 * its calls are not on this heap. After 200 calls opened and ended (warm-up), the heap used after full collections,
 * direct memory, threads, open files and RSS are read; then {@code -Dcalls} (1,000) calls on plain tokens are opened
 * over {@code -Dclients} (8) kept-alive connections and held (sidebands attached at the fake, all on the live list),
 * read again, ended at once by revoking their key with {@code cascade=true} (the time until the fake has every hang-up,
 * and how late the server's event loops ran meanwhile), read a third time, and a fourth {@code -Didle} (60 s) later,
 * when the JDK client's idle connections and threads are gone; last, what the store's receipts say of the sessions.
 * Each reading waits {@code -Dsettle} (8 s) first. Not a test: run it as bench/README.md says for {@code RelayLatency}.
 */
public final class CallMemory {

    private static final Logger LOG = LoggerFactory.getLogger(CallMemory.class);
    private static final int CALLS = Integer.getInteger("calls", 1000);
    private static final int WARMUP = 200;

    private CallMemory() {
    }

    /** What is read of this JVM at one moment. */
    private record Reading(long heap, long direct, long nettyDirect, int threads, long fds, long rssKb,
            Map<String, Integer> threadsByName) {

        String line() {
            return String.format("heap %.2f MB, direct %.2f MB (Netty's counter %.2f MB), threads %d, open files %d, "
                    + "RSS %d MB", heap / 1e6, direct / 1e6, nettyDirect / 1e6, threads, fds, rssKb / 1024);
        }
    }

    public static void main(String[] args) throws Exception {
        Process fakeProcess = Processes.builder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx512m", "-cp", System.getProperty("java.class.path"), FakeProviderProcess.class.getName())
                .redirectError(new File("target/bench-fake-provider.log")).start();
        Fake fake = new Fake(fakeProcess);
        Map<String, Object> config = Map.of("ephemera.providers.openai.base-url", fake.base,
                "ephemera.rate-limits.per-key-per-minute", 1_000_000,
                "ephemera.rate-limits.max-concurrent-sessions-per-key", 10 * CALLS,
                "ephemera.relay.max-sessions", 2 * CALLS);
        boolean memory = "memory".equals(System.getProperty("store"));
        try (Broker broker = memory ? Broker.inMemory(config) : Broker.onRedis(TestRedis.uri(), config)) {
            LiveSessions live = broker.context().getBean(LiveSessions.class);
            // Browsers come over connections of their own, which the server spreads over its event loops; with one
            // client (-Dclients=1) every call is on one loop.
            List<CallClient> calls = java.util.stream.IntStream.range(0, Integer.getInteger("clients", 8))
                    .mapToObj(i -> new CallClient(broker.url())).toList();
            end(broker, open(broker, calls, fake, live, WARMUP, new ArrayList<>()), fake, live, WARMUP);
            Reading before = read();
            LOG.info("Before, {} warm-up calls ended: {}; sockets by remote port {} (the fake: {})", WARMUP,
                    before.line(), OpenSockets.byRemotePort(), fake.port());
            long started = System.nanoTime();
            List<String> tokenIds = new ArrayList<>();
            String keyId = open(broker, calls, fake, live, CALLS, tokenIds);
            LOG.info("{} calls opened in {} s", CALLS, (System.nanoTime() - started) / 1_000_000_000);
            Reading held = read();
            LOG.info("{} calls held: {}; sockets by remote port {} (the fake: {})", CALLS, held.line(),
                    OpenSockets.byRemotePort(), fake.port());
            LOG.info("Per call: {} KB of heap, {} KB direct, {} threads, {} open files",
                    String.format("%.2f", (held.heap - before.heap) / 1024.0 / CALLS),
                    String.format("%.2f", (held.direct - before.direct) / 1024.0 / CALLS),
                    String.format("%.4f", (held.threads - before.threads) / (double) CALLS),
                    String.format("%.2f", (held.fds - before.fds) / (double) CALLS));
            ManagementFactory.getThreadMXBean().resetPeakThreadCount();
            java.util.concurrent.ScheduledExecutorService control = Executors.newSingleThreadScheduledExecutor();
            long revoked = System.nanoTime();
            try (LoopLag loops = new LoopLag(broker.context().getBean(EventLoopGroupRegistry.class)
                    .getDefaultEventLoopGroup()); LoopLag alone = new LoopLag(List.of(control))) {
                end(broker, keyId, fake, live, CALLS);
                LOG.info("Meanwhile the server's event loops were up to {} ms late, a thread doing nothing else up to "
                        + "{} ms", loops.reset(), alone.reset());
            } finally {
                control.shutdown();
            }
            LOG.info("Key revoked with cascade: the fake had all {} hang-ups after {} ms; peak threads meanwhile {}; "
                    + "the fake saw {}", CALLS, (System.nanoTime() - revoked) / 1_000_000,
                    ManagementFactory.getThreadMXBean().getPeakThreadCount(), fake.status());
            Reading after = read();
            LOG.info("After all ended: {}; sockets by remote port {} (the fake: {})", after.line(),
                    OpenSockets.byRemotePort(), fake.port());
            Thread.sleep(Long.getLong("idle", 60_000));
            Reading idle = read();
            LOG.info("{} s later: {}; sockets by remote port {}",
                    (Long.getLong("idle", 60_000) + Long.getLong("settle", 8_000)) / 1000, idle.line(),
                    OpenSockets.byRemotePort());
            LOG.info("Threads by name, before / held / after: {}", threadsTable(before, held, after));
            LOG.info("Then: {}", receipts(broker.context().getBean(SessionStore.class), tokenIds));
        } finally {
            fake.quit();
        }
    }

    /**
     * Opens {@code count} calls on tokens of a new key and waits until all are watched; answers the key's id. The
     * tokens' ids are added to {@code tokenIds}.
     */
    private static String open(Broker broker, List<CallClient> calls, Fake fake, LiveSessions live, int count,
            List<String> tokenIds) throws Exception {
        fake.reset();
        Broker.Reply created = broker.postJson("/v1/admin/keys", Broker.ADMIN_KEY, Map.of("name", "bench",
                "permissions", List.of("write", "read")));
        String key = created.string("key");
        for (int i = 0; i < count; i++) {
            Broker.Reply minted = broker.mint(key, Map.of("provider", "openai"));
            tokenIds.add(minted.string("id"));
            CallClient.Answer answer = calls.get(i % calls.size()).offer(minted.string("value"));
            if (answer.status() != 201) {
                throw new IllegalStateException("call " + i + " refused: " + answer.status() + " " + answer.body());
            }
        }
        until(() -> fake.status().open() == count, Duration.ofSeconds(30), () -> "sidebands attached: "
                + fake.status());
        until(() -> live.count() == count, Duration.ofSeconds(30), () -> "on the live list: " + live.count());
        return created.string("id");
    }

    private static void end(Broker broker, String keyId, Fake fake, LiveSessions live, int count) throws Exception {
        Broker.Reply revoked = broker.delete("/v1/admin/keys/" + keyId + "?cascade=true", Broker.ADMIN_KEY);
        if (revoked.status() != 200) {
            throw new IllegalStateException("the key could not be revoked: " + revoked.body());
        }
        until(() -> fake.status().hangups() == count, Duration.ofSeconds(30), () -> "hang-ups: " + fake.status());
        until(() -> fake.status().open() == 0, Duration.ofSeconds(30), () -> "sidebands closed: " + fake.status());
        until(() -> live.count() == 0, Duration.ofSeconds(30), () -> "left on the live list: " + live.count());
    }

    private static Reading read() throws Exception {
        // Closed sidebands are closed for good 5 s after their close frame (WatchedCall's grace); the pools of the
        // JDK's client drop idle connections and threads after a while: readings come after both.
        Thread.sleep(Long.getLong("settle", 8_000));
        for (int i = 0; i < 4; i++) {
            System.gc();
            Thread.sleep(200);
        }
        long direct = ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class).stream()
                .filter(p -> p.getName().equals("direct")).mapToLong(BufferPoolMXBean::getMemoryUsed).sum();
        Map<String, Integer> byName = new TreeMap<>();
        Thread.getAllStackTraces().keySet().forEach(t -> byName.merge(t.getName().replaceAll("[0-9]+$", "#"), 1,
                Integer::sum));
        long fds;
        try (Stream<Path> open = Files.list(Path.of("/proc/self/fd"))) {
            fds = open.count();
        }
        long rss = Files.readAllLines(Path.of("/proc/self/status")).stream().filter(l -> l.startsWith("VmRSS:"))
                .mapToLong(l -> Long.parseLong(l.replaceAll("[^0-9]", ""))).findFirst().orElse(-1);
        return new Reading(ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed(), direct,
                io.netty.util.internal.PlatformDependent.usedDirectMemory(),
                ManagementFactory.getThreadMXBean().getThreadCount(), fds, rss, byName);
    }

    /** What the store says of the sessions: still listed as live, and the receipts' sessions by state and reason. */
    private static String receipts(SessionStore store, List<String> tokenIds) {
        Map<String, Integer> states = new TreeMap<>();
        long now = Instant.now().getEpochSecond();
        for (String id : tokenIds) {
            Optional<Receipt> receipt = store.receipt(id, now).toCompletableFuture().join();
            if (receipt.isEmpty()) {
                states.merge("no receipt", 1, Integer::sum);
            } else {
                receipt.get().sessions().forEach(session -> states.merge(session.state() + " "
                        + session.closeReason(), 1, Integer::sum));
            }
        }
        return "sessions listed live in the store: " + store.live(null).toCompletableFuture().join().size()
                + "; the tokens' receipts: " + states;
    }

    private static String threadsTable(Reading before, Reading held, Reading after) {
        TreeMap<String, String> rows = new TreeMap<>();
        for (String name : new java.util.TreeSet<>(held.threadsByName.keySet())) {
            rows.put(name, before.threadsByName.getOrDefault(name, 0) + "/" + held.threadsByName.get(name) + "/"
                    + after.threadsByName.getOrDefault(name, 0));
        }
        before.threadsByName.keySet().forEach(name -> rows.putIfAbsent(name, before.threadsByName.get(name) + "/"
                + held.threadsByName.getOrDefault(name, 0) + "/" + after.threadsByName.getOrDefault(name, 0)));
        return rows.toString();
    }

    private static void until(BooleanSupplier condition, Duration within, java.util.function.Supplier<String> what)
            throws InterruptedException {
        long deadline = System.nanoTime() + within.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("not within " + within + ": " + what.get());
            }
            Thread.sleep(20);
        }
    }

    /** The fake provider's process, asked over its standard input. */
    private static final class Fake {
        record Status(int calls, int open, int attached, int hangups, int connections) {
        }

        private final Process process;
        private final BufferedReader out;
        private final PrintWriter in;
        final String base;

        Fake(Process process) throws Exception {
            this.process = process;
            this.out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
            this.in = new PrintWriter(process.getOutputStream(), true, StandardCharsets.UTF_8);
            this.base = line("base ").substring("base ".length());
        }

        /** The next line the fake prints that starts with {@code prefix} (its log lines are skipped). */
        private String line(String prefix) throws java.io.IOException {
            for (String line = out.readLine(); line != null; line = out.readLine()) {
                if (line.startsWith(prefix)) {
                    return line;
                }
            }
            throw new IllegalStateException("the fake provider's process ended");
        }

        int port() {
            return java.net.URI.create(base).getPort();
        }

        synchronized Status status() {
            try {
                in.println("status");
                String[] f = line("calls ").split(" ");
                return new Status(Integer.parseInt(f[1]), Integer.parseInt(f[3]), Integer.parseInt(f[5]),
                        Integer.parseInt(f[7]), Integer.parseInt(f[9]));
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }

        synchronized void reset() throws java.io.IOException {
            in.println("reset");
            line("reset");
        }

        void quit() throws InterruptedException {
            in.println("quit");
            if (!process.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) {
                process.destroy();
            }
        }
    }
}

package dev.ephemera.bench;

import dev.ephemera.support.Broker;
import dev.ephemera.support.FakeUpstream;
import dev.ephemera.support.TestRedis;
import dev.ephemera.support.WsClient;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the broker asks of Redis (issue 29), counted with {@code MONITOR} on a Redis of its own: commands the broker
 * sent, and operations (those commands plus the calls their scripts made) for one realtime WebSocket session that
 * opens and closes (the idle replica's own commands left out), for an idle replica over 10 s, and for a replica
 * holding 1,000 quiet sessions over 10 s. Not a test: run it as bench/README.md says for {@code RelayLatency}.
 */
public final class RedisCommandCount {

    private static final Logger LOG = LoggerFactory.getLogger(RedisCommandCount.class);
    private static final int QUIET = 1000;
    private static final long WINDOW_MS = 10_000;

    private RedisCommandCount() {
    }

    public static void main(String[] args) throws Exception {
        String redis = TestRedis.startLocal(TestRedis.serverBinary());
        try (FakeUpstream fake = new FakeUpstream();
                Broker broker = Broker.onRedis(redis, Map.of("ephemera.providers.openai.base-url",
                        fake.base("openai"), "ephemera.rate-limits.per-key-per-minute", 1_000_000,
                        "ephemera.rate-limits.max-concurrent-sessions-per-key", 100_000));
                MonitorTap tap = new MonitorTap(redis)) {
            String key = broker.createKey("write", "read");
            String ws = broker.url().replaceFirst("^http", "ws") + "/v1/realtime";
            // A first session, not counted: scripts loaded, connections made.
            session(broker, key, ws);
            Thread.sleep(3000);

            int from = tap.mark();
            Thread.sleep(WINDOW_MS);
            List<MonitorTap.Line> idle = tap.between(from, tap.mark());
            Set<String> background = new HashSet<>();
            idle.stream().filter(l -> !l.lua()).forEach(l -> background.add(l.signature()));
            report("idle replica, per second", idle, WINDOW_MS / 1000.0);

            Broker.Reply minted = broker.mint(key, Map.of("provider", "openai"));
            // Longer than a subscription read is trusted: the session's events find none, as when a page opens its
            // session seconds after the mint.
            Thread.sleep(1500);
            from = tap.mark();
            open(ws, minted.string("value")).socket.sendClose(WebSocket.NORMAL_CLOSURE, "done")
                    .get(5, TimeUnit.SECONDS);
            Thread.sleep(1500);
            report("one session that opens and closes", withoutBackground(tap.between(from, tap.mark()),
                    background), 1);

            // One client for all (a JDK client no one holds is collected, closing its sockets); tokens that outlive
            // the window, so that it counts holding sessions, not retaining their tokens.
            HttpClient http = HttpClient.newHttpClient();
            List<WebSocket> quiet = new ArrayList<>();
            for (int i = 0; i < QUIET; i++) {
                String token = broker.mint(key, Map.of("provider", "openai", "ttl_seconds", 600)).string("value");
                quiet.add(http.newWebSocketBuilder().subprotocols("ephemera", "ephemera-token." + token)
                        .buildAsync(URI.create(ws), new WebSocket.Listener() { }).get(10, TimeUnit.SECONDS));
            }
            Thread.sleep(12_000);
            from = tap.mark();
            Thread.sleep(WINDOW_MS);
            List<MonitorTap.Line> held = tap.between(from, tap.mark());
            report(QUIET + " quiet sessions, per second", held, WINDOW_MS / 1000.0);
            long closed = held.stream().filter(l -> !l.lua() && l.name().equals("DEL")).count();
            LOG.info("sessions closed in the window: {} (must be 0)", closed);
            quiet.forEach(WebSocket::abort);
        }
        System.exit(0);
    }

    private static void session(Broker broker, String key, String ws) throws Exception {
        WsClient client = open(ws, broker.mint(key, Map.of("provider", "openai")).string("value"));
        client.socket.sendClose(WebSocket.NORMAL_CLOSURE, "done").get(5, TimeUnit.SECONDS);
    }

    /** A session opened with {@code token}, held until its upgrade and registration are done. */
    private static WsClient open(String ws, String token) throws Exception {
        WsClient client = WsClient.connect(ws, List.of("ephemera", "ephemera-token." + token), Map.of());
        Thread.sleep(300);
        return client;
    }

    /** The lines of {@code window} that are not the idle replica's own commands (nor their scripts' calls). */
    private static List<MonitorTap.Line> withoutBackground(List<MonitorTap.Line> window, Set<String> background) {
        List<MonitorTap.Line> kept = new ArrayList<>();
        boolean owned = false;
        for (MonitorTap.Line line : window) {
            if (!line.lua()) {
                owned = !background.contains(line.signature());
            }
            if (owned) {
                kept.add(line);
            }
        }
        return kept;
    }

    private static void report(String what, List<MonitorTap.Line> lines, double seconds) {
        long commands = lines.stream().filter(l -> !l.lua()).count();
        Map<String, Integer> each = new TreeMap<>();
        lines.forEach(l -> each.merge((l.lua() ? "  lua " : "") + l.signature(), 1, Integer::sum));
        LOG.info("{}: {} commands, {} operations (scripts' calls counted)", what,
                String.format("%.1f", commands / seconds), String.format("%.1f", lines.size() / seconds));
        each.forEach((signature, n) -> LOG.info("    {} x {}", n, signature));
    }
}

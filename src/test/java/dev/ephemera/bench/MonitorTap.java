package dev.ephemera.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Every command a Redis runs, read with {@code MONITOR} on a connection of its own: the lines that clients sent
 * and those that scripts ran ({@code [0 lua]}), kept in order so that a window of them can be counted.
 */
final class MonitorTap implements AutoCloseable {

    /** One monitored command: whether a script ran it, and its words (the command's name first). */
    record Line(boolean lua, List<String> words) {

        String name() {
            return words.isEmpty() ? "" : words.get(0).toUpperCase(java.util.Locale.ROOT);
        }

        /** The command and what it works on (a script's sha, a key), without the ids that vary. */
        String signature() {
            String first = words.size() > 1 ? words.get(1).replaceAll("\\{[^}]*}", "{}") : "";
            return name() + " " + first;
        }
    }

    private final Socket socket;
    private final List<Line> lines = new ArrayList<>();
    private final Thread reader;

    MonitorTap(String redisUri) throws IOException {
        URI uri = URI.create(redisUri);
        socket = new Socket(uri.getHost(), uri.getPort());
        OutputStream out = socket.getOutputStream();
        out.write("MONITOR\r\n".getBytes(StandardCharsets.US_ASCII));
        out.flush();
        BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(),
                StandardCharsets.UTF_8));
        if (!"+OK".equals(in.readLine())) {
            throw new IOException("MONITOR refused");
        }
        reader = Thread.ofPlatform().daemon().start(() -> {
            try {
                for (String line = in.readLine(); line != null; line = in.readLine()) {
                    Line parsed = parse(line);
                    synchronized (lines) {
                        lines.add(parsed);
                    }
                }
            } catch (IOException closed) {
                // the tap was closed
            }
        });
    }

    /** {@code +1700000000.123456 [0 127.0.0.1:5000] "EVALSHA" "…" …}: its source and its quoted words. */
    private static Line parse(String line) {
        int bracket = line.indexOf(']');
        boolean lua = line.substring(0, Math.max(0, bracket)).endsWith(" lua");
        List<String> words = new ArrayList<>();
        StringBuilder word = null;
        for (int i = bracket + 1; i < line.length(); i++) {
            char c = line.charAt(i);
            if (word == null) {
                if (c == '"') {
                    word = new StringBuilder();
                }
            } else if (c == '\\' && i + 1 < line.length()) {
                word.append(line.charAt(++i));
            } else if (c == '"') {
                words.add(word.toString());
                word = null;
            } else {
                word.append(c);
            }
        }
        return new Line(lua, words);
    }

    /** How many lines were read so far: a mark to count from. */
    int mark() {
        synchronized (lines) {
            return lines.size();
        }
    }

    /** The lines read between two marks. */
    List<Line> between(int from, int to) {
        synchronized (lines) {
            return List.copyOf(lines.subList(from, to));
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}

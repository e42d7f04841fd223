package dev.ephemera.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * This process's TCP sockets by the port at their other end, read from {@code /proc} (Linux): which of a
 * benchmark's open files are connections to whom.
 */
final class OpenSockets {

    private OpenSockets() {
    }

    /** Remote port (0: a listening socket) to how many of this process's TCP sockets have it. */
    static Map<Integer, Integer> byRemotePort() throws IOException {
        Set<String> inodes = new HashSet<>();
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            fds.forEach(fd -> {
                try {
                    String target = Files.readSymbolicLink(fd).toString();
                    if (target.startsWith("socket:[")) {
                        inodes.add(target.substring(8, target.length() - 1));
                    }
                } catch (IOException e) {
                    // closed while listed
                }
            });
        }
        Map<Integer, Integer> ports = new TreeMap<>();
        for (String table : new String[] {"/proc/net/tcp", "/proc/net/tcp6"}) {
            for (String line : Files.readAllLines(Path.of(table)).subList(1, Files.readAllLines(Path.of(table))
                    .size())) {
                String[] f = line.trim().split("\\s+");
                if (inodes.contains(f[9])) {
                    String remote = f[2];
                    ports.merge(Integer.parseInt(remote.substring(remote.indexOf(':') + 1), 16), 1, Integer::sum);
                }
            }
        }
        return ports;
    }
}

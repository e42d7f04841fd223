package dev.ephemera.bench;

import dev.ephemera.support.FakeCalls;
import dev.ephemera.support.FakeUpstream;
import java.io.BufferedReader;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The fake provider in a process of its own, so that what it holds per call stays out of the heap a benchmark
 * measures. Prints {@code base <url>}, then answers each {@code status} line on its input with {@code calls <n>
 * open <sidebands open> attached <attachments> hangups <hang-ups>
 * connections <client ports seen>}; ends when its input ends or says {@code quit}.
 */
public final class FakeProviderProcess {

    private FakeProviderProcess() {
    }

    public static void main(String[] args) throws Exception {
        // Its standard output is the channel to the benchmark, not a log.
        PrintStream out = new PrintStream(new FileOutputStream(FileDescriptor.out), true, StandardCharsets.UTF_8);
        try (FakeUpstream fake = new FakeUpstream();
                BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
            out.println("base " + fake.base("openai"));
            out.flush();
            for (String line = in.readLine(); line != null && !line.equals("quit"); line = in.readLine()) {
                if (line.equals("reset")) {
                    fake.recorder().reset();
                    out.println("reset");
                } else {
                    List<FakeCalls.Call> calls = fake.recorder().calls.all();
                    out.println("calls " + calls.size()
                            + " open " + calls.stream().mapToInt(FakeCalls.Call::sidebandsOpen).sum()
                            + " attached " + calls.stream().mapToInt(c -> c.attachments.get()).sum()
                            + " hangups " + calls.stream().mapToInt(c -> c.hangups.get()).sum()
                            + " connections " + fake.recorder().clientPorts.size());
                }
                out.flush();
            }
        }
    }
}

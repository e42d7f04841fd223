package dev.ephemera.container;

import dev.ephemera.support.BrokerHttp;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A small mint load on a broker: a few threads, each minting one token after another 10 ms apart, every answer kept
 * (when it was asked, how long it took, its status and error code; a failure to answer at all is status -1).
 */
final class MintLoad implements AutoCloseable {

    /** One mint's answer. */
    record Answer(long askedNanos, Duration took, int status, String code) {

        boolean granted() {
            return status == 201;
        }

        boolean refused() {
            return status == 503 && "store_unavailable".equals(code);
        }
    }

    private final List<Answer> answers = new CopyOnWriteArrayList<>();
    private final List<Thread> threads = new ArrayList<>();
    private volatile boolean running = true;

    MintLoad(BrokerHttp http, String key, int threads) {
        for (int i = 0; i < threads; i++) {
            this.threads.add(Thread.ofPlatform().name("mint-load-" + i).daemon().start(() -> mint(http, key)));
        }
    }

    private void mint(BrokerHttp http, String key) {
        while (running) {
            long asked = System.nanoTime();
            try {
                HttpResponse<String> answer = http.postJson("/v1/tokens", key, "{\"provider\":\"openai\"}");
                Duration took = Duration.ofNanos(System.nanoTime() - asked);
                answers.add(new Answer(asked, took, answer.statusCode(), answer.statusCode() == 201 ? null
                        : BrokerHttp.code(answer)));
            } catch (RuntimeException e) {
                answers.add(new Answer(asked, Duration.ofNanos(System.nanoTime() - asked), -1, e.toString()));
            }
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    long granted() {
        return answers.stream().filter(Answer::granted).count();
    }

    /** The mints asked at or after {@code nanos} (System.nanoTime) and refused with 503 store_unavailable. */
    long refusedSince(long nanos) {
        return answers.stream().filter(a -> a.askedNanos() >= nanos && a.refused()).count();
    }

    int total() {
        return answers.size();
    }

    /** Every answer that is neither a grant nor a 503 store_unavailable. */
    List<Answer> unexpected() {
        return answers.stream().filter(a -> !a.granted() && !a.refused()).toList();
    }

    Duration slowest() {
        return answers.stream().map(Answer::took).max(Comparator.naturalOrder()).orElse(Duration.ZERO);
    }

    /** Stops the threads; the answers stay. */
    @Override
    public void close() throws InterruptedException {
        running = false;
        for (Thread thread : threads) {
            thread.join(BrokerHttp.TIMEOUT.toMillis() * 2);
        }
    }
}

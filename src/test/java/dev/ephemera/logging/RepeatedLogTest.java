package dev.ephemera.logging;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ephemera.support.LogCapture;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

class RepeatedLogTest {

    @Test
    void theFirstOfAKindIsWrittenAndRepeatsWithinTheIntervalAreOnlyCounted() {
        RepeatedLog log = new RepeatedLog(LoggerFactory.getLogger("dev.ephemera.logging.test"));
        try (LogCapture logs = new LogCapture()) {
            for (int i = 0; i < 1000; i++) {
                log.warn("Store down: {}", "RedisConnectionException");
                log.warn("Provider {} down", "openai");
            }
            assertThat(logs.all().lines().filter(l -> l.startsWith("dev.ephemera.logging.test")))
                    .containsExactly("dev.ephemera.logging.test Store down: RedisConnectionException",
                            "dev.ephemera.logging.test Provider openai down");
        }
    }

    @Test
    void theFirstLineAfterTheIntervalSaysHowManyWereLeftOut() throws InterruptedException {
        RepeatedLog log = new RepeatedLog(LoggerFactory.getLogger("dev.ephemera.logging.test"),
                java.time.Duration.ofMillis(200));
        try (LogCapture logs = new LogCapture()) {
            for (int i = 0; i < 5; i++) {
                log.error("Store down: {}", "x");
            }
            Thread.sleep(300);
            log.error("Store down: {}", "x");
            assertThat(logs.all().lines().filter(l -> l.startsWith("dev.ephemera.logging.test")))
                    .containsExactly("dev.ephemera.logging.test Store down: x",
                            "dev.ephemera.logging.test Store down: x (4 more like this since the last line)");
        }
    }
}

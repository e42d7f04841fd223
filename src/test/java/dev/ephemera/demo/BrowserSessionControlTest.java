package dev.ephemera.demo;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ephemera.support.Broker;
import dev.ephemera.support.DemoBrowser;
import java.nio.file.Files;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.openqa.selenium.By;

/**
 * SPEC §11 on the demo page, in headless Chromium ({@link DemoBrowser}): the session's usage shows as the provider
 * reports it, and the backend's button ends it (close 1008). The fake provider answers like OpenAI's realtime API;
 * an admin key stands in for the backend. The end state is written to {@code target/browser-session-control.png}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BrowserSessionControlTest {

    private DemoBrowser demo;

    @BeforeAll
    void start() {
        demo = new DemoBrowser(fake -> Map.of("ephemera.providers.openai.realtime-url",
                fake.websocketBase("sdk") + "/realtime"));
    }

    @AfterAll
    void stop() {
        if (demo != null) {
            demo.close();
        }
    }

    @Test
    void theBackendSeesTheSessionsUsageAndEndsIt() throws Exception {
        demo.open("#jwt=" + demo.idp.user("alice"));
        demo.browser.findElement(By.id("backend")).sendKeys(Broker.ADMIN_KEY);
        demo.click("connect");
        demo.waitFor("status", "connected");
        demo.click("respond");
        demo.waitFor("messages", "response.done");
        demo.waitFor("usage", "30 tokens in 1 response, $0.000");
        assertThat(demo.text("session-id")).startsWith("ses_");
        demo.click("end");
        demo.waitFor("status", "closed 1008");
        assertThat(demo.text("status")).contains("ended by the backend");
        demo.waitFor("session-id", "ended_by_backend");
        assertThat(Files.size(demo.screenshot("browser-session-control.png"))).isPositive();
    }
}

package dev.ephemera.demo;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ephemera.support.Broker;
import dev.ephemera.support.DemoBrowser;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The demo page in a real browser ({@link DemoBrowser}): on an allowed origin it gets a token with a user JWT, opens
 * a realtime session through the relay to a fake provider and shows the echoed message; the same token is refused
 * a second time; a page on another origin is stopped by CORS. A screenshot is written to
 * {@code target/browser-demo.png}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BrowserEndToEndTest {

    private DemoBrowser demo;

    @BeforeAll
    void start() {
        demo = new DemoBrowser(fake -> Map.of());
    }

    @AfterAll
    void stop() {
        if (demo != null) {
            demo.close();
        }
    }

    @Test
    void pageOnAnAllowedOriginTalksThroughTheRelayAndCannotReuseItsToken() throws Exception {
        demo.open("#jwt=" + demo.idp.user("alice"));
        demo.click("fetch");
        demo.waitFor("status", "token ready");
        assertThat(demo.text("token-id")).startsWith("tok_");
        int expiresIn = Integer.parseInt(demo.text("expires"));
        assertThat(expiresIn).isBetween(50, 60);

        demo.click("connect");
        demo.waitFor("status", "connected");
        demo.click("send");
        demo.waitFor("messages", "hello from the browser");
        assertThat(demo.text("messages")).contains("\"voice\":\"alloy\"");
        assertThat(demo.fake.recorder().requests.get(0).header("Authorization"))
                .isEqualTo("Bearer " + Broker.OPENAI_KEY);

        demo.click("reuse");
        demo.waitFor("status", "refused");
        Path shot = demo.screenshot("browser-demo.png");
        assertThat(Files.size(shot)).isPositive();
    }

    @Test
    void pageOnAnotherOriginIsStoppedByCors() {
        demo.browser.get("http://localhost:" + demo.port + "/?broker=http://127.0.0.1:" + demo.port + "#jwt="
                + demo.idp.user("eve"));
        demo.click("fetch");
        demo.waitFor("status", "error");
        assertThat(demo.text("error")).contains("network");
        assertThat(demo.text("token-id")).isEqualTo("none");
    }
}

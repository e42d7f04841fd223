package dev.ephemera.demo;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ephemera.support.DemoBrowser;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.openqa.selenium.By;
import org.openqa.selenium.support.ui.Select;

/**
 * The first hour, in real Chromium: the broker as {@code ./mvnw mn:run} starts it ({@link DemoBrowser#dev}), no
 * provider key, no network. The page gets its development credential by itself, mints a token and counts it down,
 * opens a session with the built-in echo provider through the relay, shows the conversation, is refused when it
 * changes a locked field, sees the usage from the backend's side, ends the session from there, and is refused when it
 * reuses the token; and holds one turn with echo in Gemini Live's protocol. The last screen of the first is written
 * to {@code target/demo-dev.png} (the README's picture).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BrowserDevDemoTest {

    private DemoBrowser demo;

    @BeforeAll
    void start() {
        demo = DemoBrowser.dev();
    }

    @AfterAll
    void stop() {
        if (demo != null) {
            demo.close();
        }
    }

    @Test
    void aWholeSessionWithNoProviderKeyAndNoNetwork() throws Exception {
        demo.open("");
        demo.waitFor("credential-status", "Development key ephk_");
        assertThat(new Select(demo.browser.findElement(By.id("profile"))).getFirstSelectedOption().getText())
                .isEqualTo("demo — echo (echo-realtime)");

        demo.click("fetch");
        demo.waitFor("status", "token ready");
        assertThat(demo.text("token-id")).startsWith("tok_");
        assertThat(Integer.parseInt(demo.text("expires"))).isBetween(50, 60);

        demo.click("connect");
        demo.waitFor("status", "connected");
        demo.click("send");
        demo.waitFor("transcript", "you: hello from the browser");
        demo.click("respond");
        demo.waitFor("transcript", "assistant: You said: hello from the browser");

        demo.click("locked");
        demo.waitFor("transcript", "refused: locked_field");
        // "Repeat what the user says." and "hello from the browser" in (5 + 4), "You said: …" out (6).
        demo.waitFor("usage", "15 tokens in 1 response");
        assertThat(demo.text("session-id")).startsWith("ses_");

        demo.click("end");
        demo.waitFor("status", "closed 1008");
        demo.waitFor("session-id", "ended_by_backend");
        demo.click("reuse");
        demo.waitFor("status", "refused");
        assertThat(demo.fake.recorder().requests).isEmpty();

        Path shot = demo.screenshot("demo-dev.png");
        assertThat(Files.size(shot)).isPositive();
    }

    /**
     * Google's protocol from the same page: a token for the echo provider, the browser's own WebSocket to the
     * broker's Gemini Live path with the token in {@code ?key=} (as Google's SDK connects from a browser), a setup
     * and one text turn echoed back, the provider's usage, and the session's cost on the backend's side.
     */
    @Test
    void aGeminiLiveSessionWithTheEchoProvider() {
        demo.open("");
        demo.waitFor("credential-status", "Development key ephk_");
        demo.click("live");
        demo.waitFor("transcript", "you: hello from the browser");
        demo.waitFor("transcript", "gemini: echo: hello from the browser");
        // "Repeat what the user says." and "hello from the browser" in (5 + 4), "echo: …" out (5).
        demo.waitFor("live-usage", "9 tokens in, 5 out");
        demo.waitFor("status", "closed 1000");
        assertThat(demo.text("token-id")).startsWith("tok_");
        demo.waitFor("usage", "14 tokens in 1 response, $0.");
        assertThat(demo.fake.recorder().requests).isEmpty();
    }
}

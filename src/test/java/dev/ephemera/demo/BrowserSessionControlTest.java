package dev.ephemera.demo;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ephemera.support.Broker;
import dev.ephemera.support.ExternalTools;
import dev.ephemera.support.FakeUpstream;
import dev.ephemera.support.TestIssuer;
import dev.ephemera.support.TestRedis;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * SPEC §11 on the demo page, in headless Chromium: the session's usage shows as the provider reports it, and the
 * backend's button ends it (close 1008). The fake provider answers like OpenAI's realtime API; an admin key stands in
 * for the backend. The end state is written to {@code target/browser-session-control.png}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BrowserSessionControlTest {

    private final TestIssuer idp = new TestIssuer();
    private FakeUpstream fake;
    private Broker broker;
    private WebDriver browser;
    private int port;

    @BeforeAll
    void start() {
        String install = "apt-get install chromium chromium-driver (Debian), or Chrome and its driver";
        Path chromium = ExternalTools.require("ephemera.test.chromium", install, "chromium", "chromium-browser",
                "google-chrome");
        Path chromedriver = ExternalTools.require("ephemera.test.chromedriver", install, "chromedriver");
        fake = new FakeUpstream();
        port = TestRedis.freePort();
        Map<String, Object> config = new HashMap<>(idp.brokerConfig());
        config.put("micronaut.server.port", port);
        config.put("ephemera.demo.enabled", "true");
        config.put("ephemera.providers.openai.base-url", fake.base("openai"));
        config.put("ephemera.providers.openai.realtime-url", fake.websocketBase("sdk") + "/realtime");
        config.put("ephemera.profiles.voice.allowed-origins", List.of("http://127.0.0.1:" + port));
        broker = Broker.inMemory(config);
        ChromeOptions options = new ChromeOptions();
        options.setBinary(chromium.toFile());
        options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--no-first-run", "--disable-dev-shm-usage", "--window-size=1000,1000");
        browser = new ChromeDriver(new ChromeDriverService.Builder().usingDriverExecutable(chromedriver.toFile())
                .usingAnyFreePort().build(), options);
    }

    @AfterAll
    void stop() {
        if (browser != null) {
            browser.quit();
        }
        if (broker != null) {
            broker.close();
            fake.close();
        }
    }

    private void waitFor(String id, String contained) {
        new WebDriverWait(browser, Duration.ofSeconds(15))
                .until(d -> d.findElement(By.id(id)).getText().contains(contained));
    }

    @Test
    void theBackendSeesTheSessionsUsageAndEndsIt() throws Exception {
        browser.get("http://127.0.0.1:" + port + "/#jwt=" + idp.user("alice"));
        browser.findElement(By.id("backend")).sendKeys(Broker.ADMIN_KEY);
        browser.findElement(By.id("connect")).click();
        waitFor("status", "connected");
        browser.findElement(By.id("respond")).click();
        waitFor("messages", "response.done");
        waitFor("usage", "30 tokens in 1 response");
        assertThat(browser.findElement(By.id("session-id")).getText()).startsWith("ses_");
        browser.findElement(By.id("end")).click();
        waitFor("status", "closed 1008");
        assertThat(browser.findElement(By.id("status")).getText()).contains("ended by the backend");
        waitFor("session-id", "ended_by_backend");
        Path shot = Path.of("target", "browser-session-control.png");
        Files.createDirectories(shot.getParent());
        Files.write(shot, ((TakesScreenshot) browser).getScreenshotAs(OutputType.BYTES));
        assertThat(Files.size(shot)).isPositive();
    }
}

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
 * The demo page in a real browser (Debian's headless Chromium through Selenium): on an allowed origin it gets a
 * token with a user JWT, opens a realtime session through the relay to a fake provider and shows the echoed
 * message; the same token is refused a second time; a page on another origin is stopped by CORS. A screenshot
 * is written to {@code target/browser-demo.png}. Chromium and ChromeDriver are found on the {@code PATH} or named by
 * {@code -Dephemera.test.chromium} and {@code -Dephemera.test.chromedriver}; without them the test fails in CI and
 * is skipped elsewhere, listed at the end of the build ({@link ExternalTools}).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BrowserEndToEndTest {


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
        config.put("ephemera.profiles.voice.allowed-origins", List.of("http://127.0.0.1:" + port));
        broker = Broker.inMemory(config);

        ChromeOptions options = new ChromeOptions();
        options.setBinary(chromium.toFile());
        options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--no-first-run", "--disable-dev-shm-usage", "--window-size=1000,900");
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(chromedriver.toFile()).usingAnyFreePort().build();
        browser = new ChromeDriver(service, options);
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

    private String text(String id) {
        return browser.findElement(By.id(id)).getText();
    }

    private void waitFor(String id, String contained) {
        new WebDriverWait(browser, Duration.ofSeconds(15))
                .until(d -> d.findElement(By.id(id)).getText().contains(contained));
    }

    @Test
    void pageOnAnAllowedOriginTalksThroughTheRelayAndCannotReuseItsToken() throws Exception {
        browser.get("http://127.0.0.1:" + port + "/#jwt=" + idp.user("alice"));
        browser.findElement(By.id("fetch")).click();
        waitFor("status", "token ready");
        assertThat(text("token-id")).startsWith("tok_");
        int expiresIn = Integer.parseInt(text("expires"));
        assertThat(expiresIn).isBetween(50, 60);

        browser.findElement(By.id("connect")).click();
        waitFor("status", "connected");
        browser.findElement(By.id("send")).click();
        waitFor("messages", "hello from the browser");
        assertThat(text("messages")).contains("\"voice\":\"alloy\"");
        assertThat(fake.recorder().requests.get(0).header("Authorization"))
                .isEqualTo("Bearer " + Broker.OPENAI_KEY);

        browser.findElement(By.id("reuse")).click();
        waitFor("status", "refused");
        Path shot = Path.of("target", "browser-demo.png");
        Files.createDirectories(shot.getParent());
        Files.write(shot, ((TakesScreenshot) browser).getScreenshotAs(OutputType.BYTES));
        assertThat(Files.size(shot)).isPositive();
    }

    @Test
    void pageOnAnotherOriginIsStoppedByCors() {
        browser.get("http://localhost:" + port + "/?broker=http://127.0.0.1:" + port + "#jwt=" + idp.user("eve"));
        browser.findElement(By.id("fetch")).click();
        waitFor("status", "error");
        assertThat(text("error")).contains("network");
        assertThat(text("token-id")).isEqualTo("none");
    }
}

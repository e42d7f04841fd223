package dev.ephemera.support;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The demo page in a real browser: a broker (in memory, demo page on, profile {@code voice} allowed for its own
 * origin, a user JWT issuer) on a fixed port, a fake provider, and Debian's headless Chromium through Selenium.
 * Chromium and ChromeDriver are found on the {@code PATH} or named by {@code -Dephemera.test.chromium} and
 * {@code -Dephemera.test.chromedriver}; without them the test fails in CI and is skipped elsewhere, listed at the
 * end of the build ({@link ExternalTools}).
 */
public final class DemoBrowser implements AutoCloseable {

    public final TestIssuer idp = new TestIssuer();
    public final FakeUpstream fake;
    public final Broker broker;
    public final WebDriver browser;
    public final int port;

    /** Starts it all; {@code more} adds broker configuration that needs the fake provider's address. */
    public DemoBrowser(Function<FakeUpstream, Map<String, Object>> more) {
        this(null, more);
    }

    /**
     * The broker as {@code ./mvnw mn:run} starts it ({@link Broker#dev}: the echo provider, the demo page's
     * credential), its demo profiles allowed for the page's origin on a free port; no fake provider is needed, and
     * {@link #fake} is there only to show that nothing reached it.
     */
    public static DemoBrowser dev() {
        return new DemoBrowser("dev", fake -> Map.of());
    }

    private DemoBrowser(String environment, Function<FakeUpstream, Map<String, Object>> more) {
        String install = "apt-get install chromium chromium-driver (Debian), or Chrome and its driver";
        Path chromium = ExternalTools.require("ephemera.test.chromium", install, "chromium", "chromium-browser",
                "google-chrome");
        Path chromedriver = ExternalTools.require("ephemera.test.chromedriver", install, "chromedriver");
        fake = new FakeUpstream();
        port = TestRedis.freePort();
        Map<String, Object> config = new HashMap<>();
        config.put("micronaut.server.port", port);
        List<String> origin = List.of("http://127.0.0.1:" + port);
        if (environment == null) {
            config.putAll(idp.brokerConfig());
            config.put("ephemera.demo.enabled", "true");
            config.put("ephemera.providers.openai.base-url", fake.base("openai"));
            config.put("ephemera.profiles.voice.allowed-origins", origin);
            config.putAll(more.apply(fake));
            broker = Broker.inMemory(config);
        } else {
            config.put("ephemera.profiles.demo.allowed-origins", origin);
            config.put("ephemera.profiles.demo-openai.allowed-origins", origin);
            broker = Broker.dev(config);
        }
        ChromeOptions options = new ChromeOptions();
        options.setBinary(chromium.toFile());
        options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--no-first-run", "--disable-dev-shm-usage", "--window-size=1000,1400");
        browser = new ChromeDriver(new ChromeDriverService.Builder().usingDriverExecutable(chromedriver.toFile())
                .usingAnyFreePort().build(), options);
    }

    /** The page on the broker's own origin, with {@code rest} (query, fragment) after the slash. */
    public void open(String rest) {
        browser.get("http://127.0.0.1:" + port + "/" + rest);
    }

    public void click(String id) {
        browser.findElement(By.id(id)).click();
    }

    /** The element's text, shown or not (the list of raw events is folded away). */
    public String text(String id) {
        return browser.findElement(By.id(id)).getDomProperty("textContent").trim();
    }

    /** Waits (15 s at most) until the element's text contains {@code contained}. */
    public void waitFor(String id, String contained) {
        new WebDriverWait(browser, Duration.ofSeconds(15)).until(d -> text(id).contains(contained));
    }

    /** Writes a screenshot to {@code target/<name>}; gives its path. */
    public Path screenshot(String name) throws IOException {
        Path shot = Path.of("target", name);
        Files.createDirectories(shot.getParent());
        Files.write(shot, ((TakesScreenshot) browser).getScreenshotAs(OutputType.BYTES));
        return shot;
    }

    @Override
    public void close() {
        try {
            browser.quit();
        } finally {
            broker.close();
            fake.close();
        }
    }
}

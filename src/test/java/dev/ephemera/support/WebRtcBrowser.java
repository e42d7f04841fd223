package dev.ephemera.support;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.TimeoutException;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * Debian's headless Chromium, through Selenium, driving the WebRTC test page ({@code call.html}, served by
 * {@link WebRtcProvider#page}): one call per {@link #call}, its state read from the page's {@code window.call}.
 * ICE stays on loopback: no STUN server, host candidates as plain addresses (no mDNS names, so nothing is
 * multicast) and 127.0.0.1 among them. Without Chromium and ChromeDriver it fails in CI and is skipped elsewhere
 * ({@link ExternalTools}).
 */
public final class WebRtcBrowser implements AutoCloseable {

    private final WebDriver driver;

    public WebRtcBrowser() {
        String install = "apt-get install chromium chromium-driver (Debian), or Chrome and its driver";
        var chromium = ExternalTools.require("ephemera.test.chromium", install, "chromium", "chromium-browser",
                "google-chrome");
        var chromedriver = ExternalTools.require("ephemera.test.chromedriver", install, "chromedriver");
        ChromeOptions options = new ChromeOptions();
        options.setBinary(chromium.toFile());
        options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--no-first-run", "--disable-dev-shm-usage", "--use-fake-ui-for-media-stream",
                "--allow-loopback-in-peer-connection", "--disable-features=WebRtcHideLocalIpsWithMdns");
        driver = new ChromeDriver(new ChromeDriverService.Builder().usingDriverExecutable(chromedriver.toFile())
                .usingAnyFreePort().build(), options);
    }

    /**
     * Opens the page for one call.
     *
     * @param host   the fake provider, which serves the page ({@link WebRtcProvider#page})
     * @param broker the origin the page posts its offer to: a broker's, or the fake provider's own
     * @param token  the Bearer credential it posts with
     * @param mode   {@code calls} or {@code live}
     * @param extra  more fragment parameters ({@code model}, {@code session})
     * @return the call's X-Client-Request-Id, by which {@link WebRtcProvider#callOf} finds the provider's call
     */
    public String call(WebRtcProvider host, String broker, String token, String mode, Map<String, String> extra) {
        String requestId = "crid-" + UUID.randomUUID();
        StringBuilder fragment = new StringBuilder().append("broker=").append(encode(broker)).append("&token=")
                .append(encode(token)).append("&mode=").append(mode).append("&crid=").append(requestId);
        extra.forEach((name, value) -> fragment.append('&').append(name).append('=').append(encode(value)));
        // A new document per call: from one fragment to another the browser would only scroll.
        driver.get("about:blank");
        driver.get(host.page(fragment.toString()));
        return requestId;
    }

    private static String encode(String value) {
        return java.net.URLEncoder.encode(value, java.nio.charset.StandardCharsets.UTF_8);
    }

    /** Evaluates {@code expression} in the page ({@code call} is {@code window.call}). */
    public Object js(String expression) {
        return ((JavascriptExecutor) driver).executeScript("return " + expression + ";");
    }

    public String string(String expression) {
        Object value = js(expression);
        return value == null ? null : value.toString();
    }

    /** Waits until {@code condition} (a JavaScript expression) is true; fails with the call's state otherwise. */
    public void await(String condition, Duration limit) {
        try {
            new WebDriverWait(driver, limit, Duration.ofMillis(20))
                    .until(d -> Boolean.TRUE.equals(js("!!(" + condition + ")")));
        } catch (TimeoutException e) {
            throw new AssertionError("not within " + limit + ": " + condition + "; the call: " + state(), e);
        }
    }

    /** Waits until the call's data channel is open; fails with the page's error if the offer was refused. */
    public void awaitOpen() {
        await("call.dcState === 'open' || call.status === 'error'", Duration.ofSeconds(20));
        if (!"open".equals(string("call.dcState"))) {
            throw new AssertionError("the call did not open: " + state());
        }
    }

    /** Sends a client event over the data channel. */
    public void send(String eventJson) {
        js("call.send(" + eventJson + ")");
    }

    /** The events received on the data channel whose type is {@code type}, oldest first. */
    @SuppressWarnings("unchecked")
    public List<Map<String, Object>> received(String type) {
        return (List<Map<String, Object>>) js("call.ofType('" + type + "')");
    }

    /** Waits until {@code count} events of {@code type} have been received; gives the last. */
    public Map<String, Object> awaitReceived(String type, int count) {
        await("call.ofType('" + type + "').length >= " + count, Duration.ofSeconds(10));
        List<Map<String, Object>> all = received(type);
        return all.get(all.size() - 1);
    }

    /** The page's call, for messages: status, HTTP status and body, states, and the types received. */
    public String state() {
        return string("JSON.stringify({status: call.status, httpStatus: call.httpStatus, error: call.error, "
                + "location: call.location, sessionId: call.sessionId, dc: call.dcState, pc: call.pcState, "
                + "ice: call.iceState, received: call.messages.map(m => m.type)})");
    }

    @Override
    public void close() {
        driver.quit();
    }
}

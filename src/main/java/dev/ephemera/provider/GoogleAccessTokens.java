package dev.ephemera.provider;

import com.google.api.client.http.HttpResponseException;
import com.google.auth.oauth2.AccessToken;
import com.google.auth.oauth2.GoogleCredentials;
import com.google.auth.oauth2.ServiceAccountCredentials;
import dev.ephemera.logging.RepeatedLog;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Vertex AI's credential: a Google access token, fetched by Google's auth library from a service account's key file
 * or Application Default Credentials, held here and fetched again before it expires — at the earlier of five
 * minutes before its expiry and three quarters of its lifetime (never before half of it) — on a thread of its own,
 * since the library blocks on HTTP. A failed fetch is tried again after 1 s, doubled up to a minute; a request that
 * finds no token asks for an attempt at once (at most one a second), so the provider recovers as soon as Google
 * answers again. A token is used until a tenth of its lifetime (at most 30 s) before it expires, so none goes
 * upstream expired; without one the provider fails closed ({@link #current} is empty). Neither a token nor the key
 * is ever logged here: only "refreshed, expires in Ns", or the failure's class (the library turns its HTTP client's
 * logging off for token requests, and hashes tokens in its own; VertexRelayTest watches both logs).
 */
final class GoogleAccessTokens implements AutoCloseable {

    static final String SCOPE = "https://www.googleapis.com/auth/cloud-platform";

    private static final Logger LOG = LoggerFactory.getLogger(GoogleAccessTokens.class);
    private static final RepeatedLog REPEATED = new RepeatedLog(LOG);
    private static final Duration EARLY = Duration.ofMinutes(5);
    private static final Duration MAX_MARGIN = Duration.ofSeconds(30);
    private static final Duration FIRST_RETRY = Duration.ofSeconds(1);
    private static final Duration MAX_RETRY = Duration.ofMinutes(1);
    /** The least time between two attempts that requests ask for while no token is held. */
    private static final Duration ASKED_AGAIN = Duration.ofSeconds(1);
    /** A service account's key file is about 2 KB. */
    private static final int MAX_KEY_FILE = 64 * 1024;

    /** Google credentials, made anew (blocking: a file read, or the library's search for ADC). */
    @FunctionalInterface
    interface Source {
        GoogleCredentials load() throws IOException;
    }

    /** A token and the instant it stops being used; its value never in {@link #toString}. */
    private record Held(String value, Instant usableUntil) {
        @Override
        public String toString() {
            return "Held[usableUntil=" + usableUntil + "]";
        }
    }

    /** A failure whose message we wrote, naming no secret: it may be logged. */
    private static final class Unusable extends IOException {
        Unusable(String message) {
            super(message);
        }
    }

    private final Source source;
    /** Whether the credentials are made anew before each fetch (a key file, re-read so that rotation applies). */
    private final boolean reloadEachTime;
    private final String description;
    private final Clock clock;
    private final ScheduledExecutorService refresher;
    private volatile Held held;
    /** Only on the refresher's thread. */
    private GoogleCredentials credentials;
    private int failures;
    /** Guarded by this. */
    private ScheduledFuture<?> next;
    private long lastAttemptNanos;
    private boolean closed;

    GoogleAccessTokens(Source source, boolean reloadEachTime, String description, Clock clock) {
        this.source = source;
        this.reloadEachTime = reloadEachTime;
        this.description = description;
        this.clock = clock;
        this.lastAttemptNanos = System.nanoTime() - ASKED_AGAIN.toNanos();
        this.refresher = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().daemon()
                .name("vertex-access-token").factory());
    }

    /** Tokens of the service account whose key is in {@code file} (a mounted Secret), read again for each fetch. */
    static GoogleAccessTokens fromKeyFile(Path file, Clock clock) {
        return new GoogleAccessTokens(() -> keyFile(file), true, "file " + file, clock);
    }

    /** Tokens of Application Default Credentials: the workload's identity on Google Cloud, or gcloud's login. */
    static GoogleAccessTokens applicationDefault(Clock clock) {
        return new GoogleAccessTokens(GoogleCredentials::getApplicationDefault, false,
                "application default credentials", clock);
    }

    private static GoogleCredentials keyFile(Path file) throws IOException {
        byte[] bytes;
        try (InputStream in = Files.newInputStream(file)) {
            bytes = in.readNBytes(MAX_KEY_FILE + 1);
        } catch (IOException e) {
            throw new Unusable(file + " cannot be read (" + e.getClass().getSimpleName() + ")");
        }
        if (bytes.length > MAX_KEY_FILE) {
            throw new Unusable(file + " is larger than a service account's key file");
        }
        try {
            return ServiceAccountCredentials.fromStream(new ByteArrayInputStream(bytes));
        } catch (IOException | RuntimeException e) {
            // Its message is not ours (it could quote the file): only its class is told.
            throw new Unusable(file + " is not a service account's key file (" + e.getClass().getSimpleName() + ")");
        }
    }

    /** Where the credentials come from, for operators: never a secret. */
    String description() {
        return description;
    }

    /** Starts fetching the first token. */
    GoogleAccessTokens start() {
        schedule(Duration.ZERO);
        return this;
    }

    /**
     * The token to send now, or empty when none that is not about to expire is held; then an attempt to fetch one
     * is asked for. Never blocks.
     */
    Optional<String> current() {
        Held now = held;
        if (now != null && clock.instant().isBefore(now.usableUntil())) {
            return Optional.of(now.value());
        }
        askSoon();
        return Optional.empty();
    }

    private synchronized void askSoon() {
        long wait = Math.max(0, ASKED_AGAIN.toNanos() - (System.nanoTime() - lastAttemptNanos));
        if (closed || next != null && next.getDelay(TimeUnit.NANOSECONDS) <= wait) {
            return;
        }
        schedule(Duration.ofNanos(wait));
    }

    private synchronized void schedule(Duration delay) {
        if (closed) {
            return;
        }
        if (next != null) {
            next.cancel(false);
        }
        next = refresher.schedule(this::refresh, delay.toNanos(), TimeUnit.NANOSECONDS);
    }

    /** One attempt, on the refresher's thread; it schedules the next. */
    private void refresh() {
        synchronized (this) {
            lastAttemptNanos = System.nanoTime();
        }
        try {
            if (credentials == null || reloadEachTime) {
                credentials = source.load().createScoped(List.of(SCOPE)).createWithCustomRetryStrategy(false);
            }
            Instant asked = clock.instant();
            // The library states the expiry in its own clock, the system's: read once, it makes the lifetime, which
            // is then counted on the broker's clock from the moment the token was asked for.
            long askedMillis = System.currentTimeMillis();
            AccessToken token = credentials.refreshAccessToken();
            Duration lifetime = token == null || token.getExpirationTime() == null ? Duration.ZERO
                    : Duration.ofMillis(token.getExpirationTime().getTime() - askedMillis);
            if (!lifetime.isPositive() || token.getTokenValue() == null || token.getTokenValue().isBlank()) {
                throw new Unusable("Google answered no access token that is not expired");
            }
            Duration margin = lifetime.dividedBy(10).compareTo(MAX_MARGIN) < 0 ? lifetime.dividedBy(10) : MAX_MARGIN;
            held = new Held(token.getTokenValue(), asked.plus(lifetime).minus(margin));
            failures = 0;
            LOG.info("Vertex AI access token refreshed, expires in {}s", lifetime.toSeconds());
            schedule(refreshAfter(lifetime));
        } catch (IOException | RuntimeException e) {
            // Made anew next time: a key file fixed or rotated, an identity repaired.
            credentials = null;
            failures++;
            Duration wait = retryAfter(failures);
            REPEATED.warn("Vertex AI access token not refreshed ({}); next attempt in {} ms", describe(e),
                    wait.toMillis());
            schedule(wait);
        }
    }

    /** The earlier of five minutes before expiry and three quarters of the lifetime, but not before half of it. */
    static Duration refreshAfter(Duration lifetime) {
        Duration early = lifetime.minus(EARLY);
        Duration threeQuarters = lifetime.multipliedBy(3).dividedBy(4);
        Duration at = early.compareTo(threeQuarters) < 0 ? early : threeQuarters;
        Duration half = lifetime.dividedBy(2);
        return at.compareTo(half) < 0 ? half : at;
    }

    /** 1 s, doubled after each failure up to a minute, less up to a fifth at random so replicas spread out. */
    private static Duration retryAfter(int failures) {
        long millis = Math.min(MAX_RETRY.toMillis(), FIRST_RETRY.toMillis() << Math.min(16, failures - 1));
        return Duration.ofMillis((long) (millis * (0.8 + 0.2 * ThreadLocalRandom.current().nextDouble())));
    }

    /** The failure's class, its causes' and Google's HTTP status: never a message, which could quote a secret. */
    private static String describe(Throwable e) {
        if (e instanceof Unusable) {
            return e.getMessage();
        }
        StringBuilder text = new StringBuilder();
        Throwable t = e;
        for (int depth = 0; t != null && depth < 4; depth++, t = t.getCause()) {
            text.append(depth == 0 ? "" : " from ").append(t.getClass().getSimpleName());
            if (t instanceof HttpResponseException http) {
                text.append(" HTTP ").append(http.getStatusCode());
            }
        }
        return text.toString();
    }

    @Override
    public void close() {
        synchronized (this) {
            closed = true;
        }
        refresher.shutdownNow();
    }
}

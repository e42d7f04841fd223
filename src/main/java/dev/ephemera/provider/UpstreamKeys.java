package dev.ephemera.provider;

import dev.ephemera.error.BrokerException;
import dev.ephemera.error.ErrorCode;
import dev.ephemera.logging.RepeatedLog;
import io.micronaut.context.annotation.Value;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.json.JsonMapper;
import io.micronaut.json.tree.JsonNode;
import jakarta.inject.Named;
import jakarta.inject.Singleton;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Upstream-native mode: asks a provider that has ephemeral keys of its own for one, so the browser can connect
 * to the provider directly. Each provider's endpoint and shape, and its bounds on lifetime:
 * <ul>
 *   <li>OpenAI, xAI: {@code POST /realtime/client_secrets}, 10 s to 2 h; Azure OpenAI the same under
 *       {@code /v1};</li>
 *   <li>Mistral: {@code POST /client/sessions} (the provider sets the lifetime);</li>
 *   <li>Gemini: {@code POST /v1alpha/auth_tokens}, up to 20 h, with a use count.</li>
 * </ul>
 */
@Singleton
public final class UpstreamKeys {

    public static final Set<String> SUPPORTED = Set.of("openai", "azure", "xai", "mistral", "gemini");
    private static final Logger LOG = LoggerFactory.getLogger(UpstreamKeys.class);
    private static final RepeatedLog REPEATED = new RepeatedLog(LOG);
    private static final Duration OPENAI_MIN = Duration.ofSeconds(10);
    private static final Duration OPENAI_MAX = Duration.ofHours(2);
    private static final Duration GEMINI_MAX = Duration.ofHours(20).minusMinutes(1);

    private final HttpClient client;
    private final JsonMapper json;
    private final Clock clock;
    private final Duration timeout;

    UpstreamKeys(@Named("upstream-jdk") HttpClient client, JsonMapper json, Clock clock,
            @Value("${ephemera.relay.upstream-timeout:10s}") Duration timeout) {
        this.client = client;
        this.json = json;
        this.clock = clock;
        this.timeout = timeout;
    }

    /** A provider's own ephemeral key, and when it expires. */
    public record UpstreamKey(String value, Instant expiresAt) {
        @Override
        public String toString() {
            return "UpstreamKey[expiresAt=" + expiresAt + "]";
        }
    }

    /** Whether the provider can mint its own ephemeral keys. */
    public static boolean supports(String provider) {
        return SUPPORTED.contains(provider);
    }

    /** The lifetime the provider will actually grant for {@code wanted}. */
    public static Duration clamp(String provider, Duration wanted) {
        return switch (provider) {
            case "openai", "azure", "xai" -> wanted.compareTo(OPENAI_MIN) < 0 ? OPENAI_MIN
                    : wanted.compareTo(OPENAI_MAX) > 0 ? OPENAI_MAX : wanted;
            case "gemini" -> wanted.compareTo(GEMINI_MAX) > 0 ? GEMINI_MAX : wanted;
            default -> wanted;
        };
    }

    /**
     * Mints a key at {@code provider}.
     *
     * @throws BrokerException {@code invalid_request} for a provider without ephemeral keys, {@code upstream_error}
     *                         when the provider fails or refuses
     */
    public UpstreamKey mint(Provider provider, @Nullable String model, Duration ttl, int uses,
            @Nullable JsonNode session) {
        Instant now = clock.instant();
        Duration lifetime = clamp(provider.name(), ttl);
        Map<String, Object> body = new LinkedHashMap<>();
        String path;
        switch (provider.name()) {
            case "openai", "azure" -> {
                path = "azure".equals(provider.name()) ? "/v1/realtime/client_secrets" : "/realtime/client_secrets";
                Map<String, Object> expiresAfter = new LinkedHashMap<>();
                expiresAfter.put("anchor", "created_at");
                expiresAfter.put("seconds", lifetime.toSeconds());
                body.put("expires_after", expiresAfter);
                Map<String, Object> sessionConfig = new LinkedHashMap<>();
                sessionConfig.put("type", "realtime");
                if (model != null) {
                    sessionConfig.put("model", model);
                }
                if (session != null) {
                    session.entries().forEach(e -> sessionConfig.put(e.getKey(), e.getValue()));
                }
                body.put("session", sessionConfig);
            }
            case "xai" -> {
                path = "/realtime/client_secrets";
                body.put("expires_after", Map.of("seconds", lifetime.toSeconds()));
            }
            case "mistral" -> {
                path = "/client/sessions";
                body.put("purpose", "realtime");
                if (model != null) {
                    body.put("model", model);
                }
            }
            case "gemini" -> {
                path = "/v1alpha/auth_tokens";
                body.put("uses", uses);
                body.put("expireTime", now.plus(lifetime).toString());
                body.put("newSessionExpireTime", now.plus(lifetime).toString());
            }
            default -> throw BrokerException.invalid("mode", "Provider '" + provider.name()
                    + "' has no ephemeral keys of its own; use mode 'relay'.");
        }
        JsonNode answer = post(provider, path, body);
        return switch (provider.name()) {
            case "mistral" -> new UpstreamKey(text(answer, "client_secret", "value"),
                    isoTime(text(answer, "client_secret", "expires_at"), now.plus(lifetime)));
            case "gemini" -> new UpstreamKey(text(answer, "name"), now.plus(lifetime));
            default -> new UpstreamKey(text(answer, "value"), epochSeconds(answer.get("expires_at"),
                    now.plus(lifetime)));
        };
    }

    private JsonNode post(Provider provider, String path, Map<String, Object> body) {
        try {
            HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(provider.baseUri() + path))
                    .timeout(timeout)
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(json.writeValueAsString(body)));
            provider.upstreamHeaders().orElseThrow(() -> new BrokerException(ErrorCode.PROVIDER_NOT_CONFIGURED,
                    "Provider '" + provider.name() + "' has no key.")).forEach(request::header);
            HttpResponse<String> response = client.send(request.build(), HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() / 100 != 2) {
                REPEATED.warn("Provider {} refused to mint an ephemeral key (HTTP {})", provider.name(),
                        response.statusCode());
                throw upstreamError(provider, "refused to mint a key (HTTP " + response.statusCode() + ")");
            }
            return json.readValue(response.body(), JsonNode.class);
        } catch (IOException e) {
            REPEATED.warn("Provider {} unreachable for minting: {}", provider.name(), e.getClass().getSimpleName());
            throw upstreamError(provider, "could not be reached");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw upstreamError(provider, "did not answer");
        }
    }

    private static String text(@Nullable JsonNode node, String... path) {
        JsonNode current = node;
        for (String part : path) {
            current = current == null || !current.isObject() ? null : current.get(part);
        }
        if (current == null || !current.isString() || current.getStringValue().isEmpty()) {
            throw new BrokerException(ErrorCode.UPSTREAM_ERROR, "The provider answered without a key.");
        }
        return current.getStringValue();
    }

    private static Instant epochSeconds(@Nullable JsonNode node, Instant fallback) {
        return node != null && node.isNumber() ? Instant.ofEpochSecond(node.getLongValue()) : fallback;
    }

    private static Instant isoTime(String value, Instant fallback) {
        try {
            return Instant.parse(value);
        } catch (DateTimeParseException e) {
            return fallback;
        }
    }

    private static BrokerException upstreamError(Provider provider, String what) {
        return new BrokerException(ErrorCode.UPSTREAM_ERROR, "The provider '" + provider.name() + "' " + what
                + "; retry later.");
    }
}

package dev.ephemera.provider;

import dev.ephemera.error.BrokerException;
import dev.ephemera.error.ErrorCode;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.json.tree.JsonNode;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * How each provider that has ephemeral keys of its own mints one (upstream-native mode): its path, the body it
 * takes, the key and expiry in its answer, and the lifetimes it grants. One constant per provider; a provider
 * that gains ephemeral keys gets one here.
 */
enum UpstreamMinting {

    /** {@code POST /realtime/client_secrets}, 10 s to 2 h. */
    OPENAI("openai") {
        @Override
        Map<String, Object> body(Request request) {
            return clientSecret(request);
        }
    },
    /** Azure OpenAI: OpenAI's shape under {@code /v1}. */
    AZURE("azure") {
        @Override
        String path() {
            return "/v1/realtime/client_secrets";
        }

        @Override
        Map<String, Object> body(Request request) {
            return clientSecret(request);
        }
    },
    /** xAI: {@code POST /realtime/client_secrets} with the lifetime only, OpenAI's bounds. */
    XAI("xai") {
        @Override
        Map<String, Object> body(Request request) {
            return Map.of("expires_after", Map.of("seconds", request.lifetime().toSeconds()));
        }
    },
    /** Mistral: {@code POST /client/sessions}; the provider sets the lifetime. */
    MISTRAL("mistral") {
        @Override
        String path() {
            return "/client/sessions";
        }

        @Override
        Duration clamp(Duration wanted) {
            return wanted;
        }

        @Override
        Map<String, Object> body(Request request) {
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("purpose", "realtime");
            if (request.model() != null) {
                body.put("model", request.model());
            }
            return body;
        }

        @Override
        UpstreamKeys.UpstreamKey key(JsonNode answer, Instant fallbackExpiry) {
            String expires = text(answer, "client_secret", "expires_at");
            Instant at;
            try {
                at = Instant.parse(expires);
            } catch (DateTimeParseException e) {
                at = fallbackExpiry;
            }
            return new UpstreamKeys.UpstreamKey(text(answer, "client_secret", "value"), at);
        }
    },
    /** Gemini: {@code POST /v1alpha/auth_tokens}, up to 20 h, with a use count. */
    GEMINI("gemini") {
        @Override
        String path() {
            return "/v1alpha/auth_tokens";
        }

        @Override
        Duration clamp(Duration wanted) {
            return wanted.compareTo(GEMINI_MAX) > 0 ? GEMINI_MAX : wanted;
        }

        @Override
        Map<String, Object> body(Request request) {
            String expires = request.now().plus(request.lifetime()).toString();
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("uses", request.uses());
            body.put("expireTime", expires);
            body.put("newSessionExpireTime", expires);
            return body;
        }

        @Override
        UpstreamKeys.UpstreamKey key(JsonNode answer, Instant fallbackExpiry) {
            return new UpstreamKeys.UpstreamKey(text(answer, "name"), fallbackExpiry);
        }
    };

    private static final Duration OPENAI_MIN = Duration.ofSeconds(10);
    private static final Duration OPENAI_MAX = Duration.ofHours(2);
    private static final Duration GEMINI_MAX = Duration.ofHours(20).minusMinutes(1);
    /** The providers that have ephemeral keys of their own, by name. */
    static final Set<String> SUPPORTED = Arrays.stream(values()).map(m -> m.provider)
            .collect(Collectors.toUnmodifiableSet());

    private final String provider;

    UpstreamMinting(String provider) {
        this.provider = provider;
    }

    /** What a mint asks of the provider: the lifetime already clamped to what it grants. */
    record Request(@Nullable String model, Duration lifetime, int uses, @Nullable JsonNode session, Instant now) {
    }

    static Optional<UpstreamMinting> of(String provider) {
        return Arrays.stream(values()).filter(m -> m.provider.equals(provider)).findFirst();
    }

    /** The path under the provider's base URL. */
    String path() {
        return "/realtime/client_secrets";
    }

    /** The lifetime the provider grants for {@code wanted} (OpenAI's bounds unless the provider has its own). */
    Duration clamp(Duration wanted) {
        return wanted.compareTo(OPENAI_MIN) < 0 ? OPENAI_MIN : wanted.compareTo(OPENAI_MAX) > 0 ? OPENAI_MAX : wanted;
    }

    abstract Map<String, Object> body(Request request);

    /** The key in the provider's answer; its expiry, or {@code fallbackExpiry} where the answer has none. */
    UpstreamKeys.UpstreamKey key(JsonNode answer, Instant fallbackExpiry) {
        JsonNode expiresAt = answer.get("expires_at");
        return new UpstreamKeys.UpstreamKey(text(answer, "value"), expiresAt != null && expiresAt.isNumber()
                ? Instant.ofEpochSecond(expiresAt.getLongValue()) : fallbackExpiry);
    }

    /** OpenAI's client-secret body: the lifetime, and the session with its model and configuration. */
    private static Map<String, Object> clientSecret(Request request) {
        Map<String, Object> session = new LinkedHashMap<>();
        session.put("type", "realtime");
        if (request.model() != null) {
            session.put("model", request.model());
        }
        if (request.session() != null) {
            request.session().entries().forEach(e -> session.put(e.getKey(), e.getValue()));
        }
        Map<String, Object> body = new LinkedHashMap<>();
        Map<String, Object> expiresAfter = new LinkedHashMap<>();
        expiresAfter.put("anchor", "created_at");
        expiresAfter.put("seconds", request.lifetime().toSeconds());
        body.put("expires_after", expiresAfter);
        body.put("session", session);
        return body;
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
}

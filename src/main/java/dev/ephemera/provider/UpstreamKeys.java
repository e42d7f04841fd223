package dev.ephemera.provider;

import dev.ephemera.error.BrokerException;
import dev.ephemera.error.ErrorCode;
import dev.ephemera.async.Stages;
import dev.ephemera.logging.RepeatedLog;
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
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Upstream-native mode: asks a provider that has ephemeral keys of its own for one, so the browser can connect
 * to the provider directly. What each provider takes and answers is its {@link UpstreamMinting}; this sends the
 * request (without blocking a thread, waiting at most {@link ProviderTimeouts#upstreamTimeout()}) and turns the
 * provider's failures into {@code upstream_error}.
 */
@Singleton
public final class UpstreamKeys {

    private static final Logger LOG = LoggerFactory.getLogger(UpstreamKeys.class);
    private static final RepeatedLog REPEATED = new RepeatedLog(LOG);

    private final HttpClient client;
    private final JsonMapper json;
    private final Clock clock;
    private final Duration timeout;

    UpstreamKeys(@Named("upstream-jdk") HttpClient client, JsonMapper json, Clock clock, ProviderTimeouts timeouts) {
        this.client = client;
        this.json = json;
        this.clock = clock;
        this.timeout = timeouts.upstreamTimeout();
    }

    /** A provider's own ephemeral key, and when it expires. */
    public record UpstreamKey(String value, Instant expiresAt) {
        @Override
        public String toString() {
            return "UpstreamKey[expiresAt=" + expiresAt + "]";
        }
    }

    /** The providers that can mint their own ephemeral keys. */
    public static Set<String> supported() {
        return UpstreamMinting.SUPPORTED;
    }

    /** Whether the provider can mint its own ephemeral keys. */
    public static boolean supports(String provider) {
        return UpstreamMinting.SUPPORTED.contains(provider);
    }

    /** The lifetime the provider will actually grant for {@code wanted}. */
    public static Duration clamp(String provider, Duration wanted) {
        return UpstreamMinting.of(provider).map(m -> m.clamp(wanted)).orElse(wanted);
    }

    /**
     * Mints a key at {@code provider}. The stage fails with {@code invalid_request} for a provider without
     * ephemeral keys, {@code provider_not_configured} without its key, {@code upstream_error} when the provider
     * fails or refuses.
     */
    public CompletionStage<UpstreamKey> mint(Provider provider, @Nullable String model, Duration ttl, int uses,
            @Nullable JsonNode session) {
        try {
            UpstreamMinting minting = UpstreamMinting.of(provider.name()).orElseThrow(() -> BrokerException.invalid(
                    "mode", "Provider '" + provider.name() + "' has no ephemeral keys of its own; use mode 'relay'."));
            Instant now = clock.instant();
            Duration lifetime = minting.clamp(ttl);
            Map<String, Object> body = minting.body(new UpstreamMinting.Request(model, lifetime, uses, session, now));
            return post(provider, minting.path(), body).thenApply(answer -> minting.key(answer, now.plus(lifetime)));
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    private CompletionStage<JsonNode> post(Provider provider, String path, Map<String, Object> body) {
        HttpRequest.Builder request;
        try {
            request = HttpRequest.newBuilder(URI.create(provider.baseUri() + path))
                    .timeout(timeout)
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(json.writeValueAsString(body)));
        } catch (IOException e) {
            throw new IllegalStateException("a mint body is always JSON", e);
        }
        provider.upstreamHeaders().orElseThrow(() -> new BrokerException(ErrorCode.PROVIDER_NOT_CONFIGURED,
                "Provider '" + provider.name() + "' has no key.")).forEach(request::header);
        return client.sendAsync(request.build(), HttpResponse.BodyHandlers.ofString()).handle((response, failure) -> {
            if (failure != null) {
                REPEATED.warn("Provider {} unreachable for minting: {}", provider.name(),
                        Stages.cause(failure).getClass().getSimpleName());
                throw upstreamError(provider, "could not be reached");
            }
            if (response.statusCode() / 100 != 2) {
                REPEATED.warn("Provider {} refused to mint an ephemeral key (HTTP {})", provider.name(),
                        response.statusCode());
                throw upstreamError(provider, "refused to mint a key (HTTP " + response.statusCode() + ")");
            }
            try {
                return json.readValue(response.body(), JsonNode.class);
            } catch (IOException | RuntimeException e) {
                throw upstreamError(provider, "answered what is not JSON");
            }
        });
    }

    private static CompletionException upstreamError(Provider provider, String what) {
        return new CompletionException(new BrokerException(ErrorCode.UPSTREAM_ERROR, "The provider '"
                + provider.name() + "' " + what + "; retry later."));
    }
}

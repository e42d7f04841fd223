package dev.ephemera.compat;

import dev.ephemera.auth.Caller;
import dev.ephemera.auth.Permission;
import dev.ephemera.error.BrokerException;
import dev.ephemera.token.Admission;
import dev.ephemera.token.MintRequest;
import dev.ephemera.token.MintedToken;
import dev.ephemera.token.TokenMinter;
import dev.ephemera.trace.Tracing;
import dev.ephemera.web.ClientAddresses;
import dev.ephemera.web.StrictBody;
import io.micronaut.context.annotation.Value;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.MediaType;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Post;
import io.micronaut.json.tree.JsonNode;
import io.micronaut.security.annotation.Secured;
import io.micronaut.security.authentication.Authentication;
import io.micronaut.serde.annotation.Serdeable;
import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.Pattern;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletionStage;

/**
 * {@code POST /v1/realtime/client_secrets}, shaped like OpenAI's, so that backend code written for
 * {@code openai.realtime.clientSecrets.create(...)} works by changing {@code baseURL} and the key. It mints an
 * Ephemera relay token for the OpenAI provider: {@code expires_after.seconds} is clamped to
 * {@code ephemera.tokens.max-ttl}, and every field given in {@code session} is locked, so the browser cannot
 * override what the backend chose.
 */
@Controller("/v1/realtime/client_secrets")
@Secured(Permission.ROLE_WRITE)
final class ClientSecretsController {

    /** OpenAI's body: when the secret expires, and the session it opens. */
    @Serdeable.Deserializable
    record Fields(@Valid @Nullable ExpiresAfter expiresAfter, @Nullable JsonNode session) {
    }

    @Serdeable.Deserializable
    record ExpiresAfter(
            @Pattern(regexp = "created_at", message = "'expires_after.anchor' must be 'created_at'.")
            @Nullable String anchor,
            @Min(value = 10, message = "'expires_after.seconds' must be a whole number from 10 to 7200.")
            @Max(value = 7200, message = "'expires_after.seconds' must be a whole number from 10 to 7200.")
            @Nullable Long seconds) {
    }
    /** Session fields that describe the session rather than configure it: never locked. */
    private static final Set<String> DESCRIPTIVE = Set.of("type", "model", "object", "id");

    private final TokenMinter tokens;
    private final String provider;
    private final ClientAddresses clients;
    private final Tracing tracing;

    ClientSecretsController(TokenMinter tokens,
            @Value("${ephemera.compat.openai-provider:openai}") String provider, ClientAddresses clients,
            Tracing tracing) {
        this.tracing = tracing;
        this.clients = clients;
        this.tokens = tokens;
        this.provider = provider;
    }

    @Post(consumes = MediaType.APPLICATION_JSON, produces = MediaType.APPLICATION_JSON)
    CompletionStage<HttpResponse<Map<String, Object>>> create(HttpRequest<?> http, @StrictBody Fields fields,
            Authentication authentication) {
        Duration ttl = tokens.configuration().defaultTtl();
        if (fields.expiresAfter() != null && fields.expiresAfter().seconds() != null) {
            ttl = Duration.ofSeconds(Math.min(fields.expiresAfter().seconds(),
                    tokens.configuration().maxTtl().toSeconds()));
        }
        JsonNode session = fields.session();
        String model = null;
        Map<String, JsonNode> config = new LinkedHashMap<>();
        List<String> locked = new ArrayList<>();
        if (session != null) {
            for (Map.Entry<String, JsonNode> e : session.entries()) {
                if ("model".equals(e.getKey())) {
                    if (!e.getValue().isString()) {
                        throw BrokerException.invalid("session.model", "'session.model' must be a string.");
                    }
                    model = e.getValue().getStringValue();
                    if (!model.matches(MintRequest.MODEL_NAME)) {
                        throw BrokerException.invalid("session.model", MintRequest.MODEL_MESSAGE.replace(
                                "'model'", "'session.model'"));
                    }
                } else if (!DESCRIPTIVE.contains(e.getKey())) {
                    config.put(e.getKey(), e.getValue());
                    locked.add(e.getKey());
                }
            }
        }
        Caller caller = Caller.of(authentication).at(clients.of(http));
        MintRequest request = MintRequest.builder(provider, ttl)
                .model(model)
                .session(config.isEmpty() ? null : JsonNode.createObjectNode(config))
                .lockedFields(locked.stream().sorted().toList())
                .build();
        String sessionModel = model;
        return tokens.mint(caller, request, Admission.CALLER, tracing.incoming(http))
                .thenApply(minted -> HttpResponse.ok(answer(minted, sessionModel, config)));
    }

    /** OpenAI's answer: the secret, its expiry, and the session as it was asked for. */
    private static Map<String, Object> answer(MintedToken minted, @Nullable String model,
            Map<String, JsonNode> config) {
        Map<String, Object> echoed = new LinkedHashMap<>();
        echoed.put("type", "realtime");
        echoed.put("object", "realtime.session");
        echoed.put("id", minted.id());
        if (model != null) {
            echoed.put("model", model);
        }
        config.forEach(echoed::put);
        Map<String, Object> response = new LinkedHashMap<>();
        response.put("value", minted.value());
        response.put("expires_at", minted.expiresAt());
        response.put("session", echoed);
        return response;
    }
}

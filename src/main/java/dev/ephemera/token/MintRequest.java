package dev.ephemera.token;

import dev.ephemera.error.BrokerException;
import dev.ephemera.web.Origins;
import dev.ephemera.web.RequestBodies;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.json.tree.JsonNode;
import java.time.Duration;
import java.util.List;
import java.util.Set;

/**
 * A validated request to mint one token (SPEC §4), defaults applied: made from a checked {@link MintBody} by
 * {@link #of}, or by a feature that mints on its callers' behalf from its own checked input.
 */
public record MintRequest(
        String provider,
        @Nullable String model,
        Duration ttl,
        TokenFormat format,
        int maxUses,
        @Nullable String subject,
        @Nullable String origin,
        TokenMode mode,
        @Nullable JsonNode session,
        List<String> lockedFields,
        @Nullable Duration maxSession,
        List<String> endpoints,
        UsageLimits limits) {

    public MintRequest {
        endpoints = List.copyOf(endpoints);
    }

    /** This request narrowed to {@code canonical} endpoints. */
    MintRequest withEndpoints(List<String> canonical) {
        return new MintRequest(provider, model, ttl, format, maxUses, subject, origin, mode, session, lockedFields,
                maxSession, canonical, limits);
    }

    /** What a provider's name may be, in every body that names one. */
    public static final String PROVIDER_NAME = "[a-z0-9_-]{1,32}";
    public static final String PROVIDER_MESSAGE = "'provider' must be a provider name such as openai.";
    /** What a model's name may be, in every body that names one. */
    public static final String MODEL_NAME = "[A-Za-z0-9._:/@-]{1,128}";
    public static final String MODEL_MESSAGE = "'model' must be 1-128 characters of letters, digits and . _ : / @ -";
    public static final String MAX_USES_MESSAGE = "'max_uses' must be between 1 and 100.";

    /**
     * A relay token for {@code provider}, as a backend asks for one outside {@code POST /v1/tokens} (the OAuth
     * token endpoint): that endpoint's defaults for everything it does not name.
     */
    public static MintRequest forProvider(String provider, @Nullable String model, @Nullable Long ttlSeconds,
            @Nullable Long maxUses, TokenConfiguration config) {
        return of(new MintBody(provider, model, ttlSeconds, null, maxUses, null, null, null, null, null, null, null),
                config);
    }

    /** A mint body's request, defaults applied; a bad field is a {@code 400 invalid_request} naming it. */
    static MintRequest of(MintBody body, TokenConfiguration config) {
        Long ttl = body.ttlSeconds();
        RequestBodies.requireWithin(ttl, "ttl_seconds", TokenConfiguration.MIN_TTL.toSeconds(),
                config.maxTtl().toSeconds());
        TokenFormat format = format(body.format());
        TokenMode mode = body.mode() == null ? TokenMode.RELAY : TokenMode.fromWire(body.mode());
        if (mode == TokenMode.UPSTREAM && format == TokenFormat.JWT) {
            throw BrokerException.invalid("format", "An upstream key is the provider's own; 'format' must be "
                    + "'opaque' (or absent) with 'mode: upstream'.");
        }
        if (mode == TokenMode.UPSTREAM && body.limits() != null) {
            throw BrokerException.invalid("limits", "Limits are enforced by the broker's relays; an upstream key "
                    + "goes to the provider directly. Use 'mode: relay' (or leave it out) with 'limits'.");
        }
        List<String> locked = body.lockedFields();
        return new MintRequest(
                body.provider(),
                body.model(),
                ttl == null ? config.defaultTtl() : Duration.ofSeconds(ttl),
                format,
                body.maxUses() == null ? config.defaultMaxUses() : body.maxUses().intValue(),
                body.subject(),
                body.origin() != null ? Origins.parse(body.origin(), "origin") : null,
                mode,
                body.session(),
                locked == null ? List.of() : List.copyOf(Set.copyOf(locked)).stream().sorted().toList(),
                null,
                body.endpoints() == null ? List.of() : body.endpoints(),
                body.limits() == null ? UsageLimits.NONE : body.limits().toLimits());
    }

    /** {@code format} as {@link MintBody} allows it: absent, opaque or jwt. */
    private static TokenFormat format(@Nullable String value) {
        return "jwt".equals(value) ? TokenFormat.JWT : TokenFormat.OPAQUE;
    }
}

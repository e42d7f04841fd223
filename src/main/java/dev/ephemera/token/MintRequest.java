package dev.ephemera.token;

import dev.ephemera.error.BrokerException;
import dev.ephemera.url.Origins;
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
        lockedFields = List.copyOf(lockedFields);
        endpoints = List.copyOf(endpoints);
    }

    /**
     * A request for a one-use opaque relay token for {@code provider}, living {@code ttl}, with nothing else bound;
     * the builder's setters name what differs.
     */
    public static Builder builder(String provider, Duration ttl) {
        return new Builder(provider, ttl);
    }

    /** This request narrowed to {@code canonical} endpoints. */
    MintRequest withEndpoints(List<String> canonical) {
        return toBuilder().endpoints(canonical).build();
    }

    /** This request under {@code value}, its limits with the budgets that travel on the token. */
    MintRequest withLimits(UsageLimits value) {
        return toBuilder().limits(value).build();
    }

    private Builder toBuilder() {
        return builder(provider, ttl).model(model).format(format).maxUses(maxUses).subject(subject).origin(origin)
                .mode(mode).session(session).lockedFields(lockedFields).maxSession(maxSession).endpoints(endpoints)
                .limits(limits);
    }

    /** Names each field of a {@link MintRequest}; what is not named keeps {@link #builder}'s default. */
    public static final class Builder {
        private final String provider;
        private final Duration ttl;
        @Nullable
        private String model;
        private TokenFormat format = TokenFormat.OPAQUE;
        private int maxUses = 1;
        @Nullable
        private String subject;
        @Nullable
        private String origin;
        private TokenMode mode = TokenMode.RELAY;
        @Nullable
        private JsonNode session;
        private List<String> lockedFields = List.of();
        @Nullable
        private Duration maxSession;
        private List<String> endpoints = List.of();
        private UsageLimits limits = UsageLimits.NONE;

        private Builder(String provider, Duration ttl) {
            this.provider = provider;
            this.ttl = ttl;
        }

        public Builder model(@Nullable String value) {
            model = value;
            return this;
        }

        public Builder format(TokenFormat value) {
            format = value;
            return this;
        }

        public Builder maxUses(int value) {
            maxUses = value;
            return this;
        }

        /** The end user the token is for (its {@code sub}); null: the caller. */
        public Builder subject(@Nullable String value) {
            subject = value;
            return this;
        }

        /** The page origin the token is bound to, canonical; null: none. */
        public Builder origin(@Nullable String value) {
            origin = value;
            return this;
        }

        public Builder mode(TokenMode value) {
            mode = value;
            return this;
        }

        /** The server-locked provider session config; null: none. */
        public Builder session(@Nullable JsonNode value) {
            session = value;
            return this;
        }

        public Builder lockedFields(List<String> value) {
            lockedFields = value;
            return this;
        }

        /** The longest a session opened with the token may last; null: the broker's longest. */
        public Builder maxSession(@Nullable Duration value) {
            maxSession = value;
            return this;
        }

        /** The provider endpoints the token is narrowed to; empty: all the provider allows. */
        public Builder endpoints(List<String> value) {
            endpoints = value;
            return this;
        }

        public Builder limits(UsageLimits value) {
            limits = value;
            return this;
        }

        public MintRequest build() {
            return new MintRequest(provider, model, ttl, format, maxUses, subject, origin, mode, session,
                    lockedFields, maxSession, endpoints, limits);
        }
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
        BrokerException.requireWithin(ttl, "ttl_seconds", TokenConfiguration.MIN_TTL.toSeconds(),
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
        return builder(body.provider(), ttl == null ? config.defaultTtl() : Duration.ofSeconds(ttl))
                .model(body.model())
                .format(format)
                .maxUses(body.maxUses() == null ? config.defaultMaxUses() : body.maxUses().intValue())
                .subject(body.subject())
                .origin(body.origin() != null ? Origins.parse(body.origin(), "origin") : null)
                .mode(mode)
                .session(body.session())
                .lockedFields(locked == null ? List.of() : List.copyOf(Set.copyOf(locked)).stream().sorted().toList())
                .endpoints(body.endpoints() == null ? List.of() : body.endpoints())
                .limits(body.limits() == null ? UsageLimits.NONE : body.limits().toLimits())
                .build();
    }

    /** {@code format} as {@link MintBody} allows it: absent, opaque or jwt. */
    private static TokenFormat format(@Nullable String value) {
        return "jwt".equals(value) ? TokenFormat.JWT : TokenFormat.OPAQUE;
    }
}

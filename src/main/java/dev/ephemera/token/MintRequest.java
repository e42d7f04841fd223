package dev.ephemera.token;

import dev.ephemera.error.BrokerException;
import dev.ephemera.web.Origins;
import dev.ephemera.web.RequestFields;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.json.tree.JsonNode;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A validated request to mint one token (SPEC §4), defaults applied. Only {@link #parse} makes one, so every
 * instance is within bounds.
 */
public record MintRequest(
        String provider,
        @Nullable String model,
        Duration ttl,
        TokenFormat format,
        int maxUses,
        @Nullable String subject,
        @Nullable String origin,
        String mode,
        @Nullable JsonNode session,
        List<String> lockedFields,
        @Nullable Duration maxSession,
        List<String> endpoints) {

    public MintRequest {
        endpoints = List.copyOf(endpoints);
    }

    /** This request narrowed to {@code canonical} endpoints. */
    MintRequest withEndpoints(List<String> canonical) {
        return new MintRequest(provider, model, ttl, format, maxUses, subject, origin, mode, session, lockedFields,
                maxSession, canonical);
    }

    static final Set<String> FIELDS = Set.of("provider", "model", "ttl_seconds", "format", "max_uses", "subject",
            "origin", "mode", "session", "locked_fields", "endpoints");
    private static final int MAX_ENDPOINTS = 32;
    private static final Pattern MODEL = Pattern.compile("[A-Za-z0-9._:/@-]{1,128}");
    private static final Pattern FIELD_NAME = Pattern.compile("[A-Za-z0-9_.]{1,64}");
    private static final Pattern PROVIDER = Pattern.compile("[a-z0-9_-]{1,32}");
    private static final int MAX_SUBJECT = 256;
    private static final int MAX_LOCKED_FIELDS = 32;

    /** Reads and checks a mint body; a bad field is a {@code 400 invalid_request} naming it. */
    public static MintRequest parse(RequestFields body, TokenConfiguration config) {
        body.allowOnly(FIELDS);
        String provider = body.requiredString("provider");
        if (!PROVIDER.matcher(provider).matches()) {
            throw BrokerException.invalid("provider", "'provider' must be a provider name such as openai.");
        }
        String model = body.string("model");
        if (model != null && !MODEL.matcher(model).matches()) {
            throw BrokerException.invalid("model",
                    "'model' must be 1-128 characters of letters, digits and . _ : / @ -");
        }
        Long ttl = body.integer("ttl_seconds", TokenConfiguration.MIN_TTL.toSeconds(), config.maxTtl().toSeconds());
        Long maxUses = body.integer("max_uses", 1, TokenConfiguration.MAX_USES);
        String subject = body.string("subject");
        if (subject != null && (subject.isEmpty() || subject.length() > MAX_SUBJECT
                || subject.chars().anyMatch(Character::isISOControl))) {
            throw BrokerException.invalid("subject", "'subject' must be 1-256 printable characters.");
        }
        String mode = body.string("mode");
        if (mode != null && !"relay".equals(mode) && !"upstream".equals(mode)) {
            throw BrokerException.invalid("mode", "'mode' must be 'relay' or 'upstream'.");
        }
        TokenFormat format = format(body.string("format"));
        if ("upstream".equals(mode) && format == TokenFormat.JWT) {
            throw BrokerException.invalid("format", "An upstream key is the provider's own; 'format' must be "
                    + "'opaque' (or absent) with 'mode: upstream'.");
        }
        JsonNode session = body.object("session");
        List<String> locked = body.strings("locked_fields", MAX_LOCKED_FIELDS);
        if (locked != null) {
            for (String name : locked) {
                if (!FIELD_NAME.matcher(name).matches()) {
                    throw BrokerException.invalid("locked_fields",
                            "Each of 'locked_fields' must be a session field name.");
                }
            }
        }
        List<String> endpoints = body.strings("endpoints", MAX_ENDPOINTS);
        return new MintRequest(
                provider,
                model,
                ttl == null ? config.defaultTtl() : Duration.ofSeconds(ttl),
                format,
                maxUses == null ? config.defaultMaxUses() : maxUses.intValue(),
                subject,
                body.has("origin") ? Origins.parse(body.string("origin"), "origin") : null,
                mode == null ? "relay" : mode,
                session,
                locked == null ? List.of() : List.copyOf(Set.copyOf(locked)).stream().sorted().toList(),
                null,
                endpoints == null ? List.of() : endpoints);
    }

    private static TokenFormat format(@Nullable String value) {
        if (value == null) {
            return TokenFormat.OPAQUE;
        }
        return switch (value) {
            case "opaque" -> TokenFormat.OPAQUE;
            case "jwt" -> TokenFormat.JWT;
            default -> throw BrokerException.invalid("format", "'format' must be 'opaque' or 'jwt'.");
        };
    }
}

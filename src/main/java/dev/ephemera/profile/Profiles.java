package dev.ephemera.profile;

import dev.ephemera.error.BrokerException;
import dev.ephemera.error.ErrorCode;
import dev.ephemera.pricing.Money;
import dev.ephemera.provider.ProviderRegistry;
import dev.ephemera.token.TokenConfiguration;
import dev.ephemera.token.UsageLimits;
import dev.ephemera.metrics.ModelLabels;
import dev.ephemera.web.OriginSource;
import dev.ephemera.url.Origins;
import io.micronaut.context.annotation.Context;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.json.JsonMapper;
import io.micronaut.json.tree.JsonNode;
import java.io.IOException;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.TreeMap;

/** The configured profiles, checked at start-up: an unknown provider or a bad origin stops the boot. */
@Context
public final class Profiles implements OriginSource, ModelLabels {

    /**
     * One profile, validated and in canonical form.
     *
     * @param subjectMicrosPerDay what one subject may spend a UTC day ({@code per-subject-budget.usd-per-day}), or
     *                            null
     */
    public record Profile(String name, String provider, @Nullable String model, Duration ttl, int maxUses,
            @Nullable JsonNode session, List<String> lockedFields, List<String> allowedOrigins,
            @Nullable Duration maxSessionDuration, List<String> endpoints, UsageLimits limits,
            @Nullable Long subjectMicrosPerDay) {
    }

    private static final Set<String> LIMITS = Set.of("max-total-tokens", "max-session-seconds", "max-responses",
            "max-cost-usd");
    private static final Set<String> SUBJECT_BUDGET = Set.of("usd-per-day");

    private final Map<String, Profile> byName;
    private final Set<String> models;
    private final Set<String> origins;

    Profiles(List<ProfileProperties> configured, ProviderRegistry providers, TokenConfiguration tokens,
            JsonMapper json) {
        Map<String, Profile> all = new TreeMap<>();
        Set<String> allOrigins = new LinkedHashSet<>();
        for (ProfileProperties p : configured) {
            String prefix = "ephemera.profiles." + p.name();
            if (p.provider() == null || !providers.isKnown(p.provider())) {
                throw new IllegalStateException(prefix + ".provider must name a provider, was " + p.provider());
            }
            Duration ttl = p.ttl() == null ? tokens.defaultTtl() : p.ttl();
            if (ttl.compareTo(TokenConfiguration.MIN_TTL) < 0 || ttl.compareTo(tokens.maxTtl()) > 0) {
                throw new IllegalStateException(prefix + ".ttl must be between 10s and ephemera.tokens.max-ttl");
            }
            int uses = p.maxUses() == null ? 1 : p.maxUses();
            if (uses < 1 || uses > TokenConfiguration.MAX_USES) {
                throw new IllegalStateException(prefix + ".max-uses must be between 1 and 100");
            }
            List<String> origins = p.allowedOrigins() == null ? List.of() : p.allowedOrigins().stream().map(o -> {
                String canonical = Origins.canonical(o);
                if (canonical == null) {
                    throw new IllegalStateException(prefix + ".allowed-origins: " + o + " is not an origin "
                            + "(scheme://host[:port])");
                }
                return canonical;
            }).toList();
            if (origins.isEmpty()) {
                throw new IllegalStateException(prefix + ".allowed-origins is required: the pages that may use it");
            }
            allOrigins.addAll(origins);
            Map<String, Object> config = DataChannelRules.into(prefix, p.session(), p.dataChannel());
            JsonNode session;
            try {
                session = config == null || config.isEmpty() ? null : json.writeValueToTree(config);
            } catch (IOException e) {
                throw new IllegalStateException(prefix + ".session cannot be read as JSON", e);
            }
            List<String> locked = new java.util.ArrayList<>(p.lockedFields() == null ? List.of() : p.lockedFields());
            if (p.dataChannel() != null && !p.dataChannel().isEmpty() && !locked.contains("client")) {
                // The rules hold for the page only if it cannot replace them.
                locked.add("client");
            }
            List<String> endpoints = p.endpoints() == null ? List.of() : p.endpoints().stream().map(e ->
                    providers.endpointOf(p.provider(), e).orElseThrow(() -> new IllegalStateException(prefix
                            + ".endpoints: " + e + " is not one of ephemera.providers." + p.provider()
                            + ".allowed-endpoints"))).toList();
            all.put(p.name(), new Profile(p.name(), p.provider(), p.model(), ttl, uses, session,
                    List.copyOf(locked), origins,
                    p.maxSessionDuration(), endpoints, limits(prefix, p.limits()),
                    subjectBudget(prefix, p.perSubjectBudget())));
        }
        this.byName = Map.copyOf(all);
        this.models = all.values().stream().map(Profile::model).filter(Objects::nonNull)
                .collect(Collectors.toUnmodifiableSet());
        this.origins = Set.copyOf(allOrigins);
    }

    /**
     * The profile a request names, or the only one, or the one called {@code default}.
     *
     * @throws BrokerException {@code invalid_request} naming {@code profile}
     */
    public Profile select(@Nullable String name) {
        if (name != null) {
            Profile p = byName.get(name);
            if (p == null) {
                throw BrokerException.invalid("profile", "No such profile; use one of "
                        + String.join(", ", byName.keySet()) + ".");
            }
            return p;
        }
        if (byName.size() == 1) {
            return byName.values().iterator().next();
        }
        Profile fallback = byName.get("default");
        if (fallback == null) {
            throw byName.isEmpty()
                    ? new BrokerException(ErrorCode.NOT_FOUND, "This broker has no profiles for browser tokens; an "
                            + "operator must configure ephemera.profiles.")
                    : BrokerException.invalid("profile", "Name a 'profile': one of "
                            + String.join(", ", byName.keySet()) + ".");
        }
        return fallback;
    }

    /** The models the profiles name: the closed set of model labels of the usage metrics. */
    /** Every profile, by name. */
    public List<Profile> all() {
        return byName.values().stream().sorted(java.util.Comparator.comparing(Profile::name)).toList();
    }

    @Override
    public Set<String> models() {
        return models;
    }

    /** Every origin some profile allows. */
    @Override
    public Set<String> allowedOrigins() {
        return origins;
    }

    /** A profile's {@code limits}, each a whole number from 1; an unknown name or a bad number stops the boot. */
    private static UsageLimits limits(String prefix, @Nullable Map<String, Object> configured) {
        if (configured == null || configured.isEmpty()) {
            return UsageLimits.NONE;
        }
        for (String name : configured.keySet()) {
            if (!LIMITS.contains(name)) {
                throw new IllegalStateException(prefix + ".limits." + name + " is not a limit; known: " + LIMITS);
            }
        }
        return new UsageLimits(positive(prefix, configured, "max-total-tokens"),
                positive(prefix, configured, "max-session-seconds"), positive(prefix, configured, "max-responses"))
                .withMaxCost(usd(prefix + ".limits.max-cost-usd", configured.get("max-cost-usd")));
    }

    /** A profile's {@code per-subject-budget}; an unknown name or a bad amount stops the boot. */
    @Nullable
    private static Long subjectBudget(String prefix, @Nullable Map<String, Object> configured) {
        if (configured == null || configured.isEmpty()) {
            return null;
        }
        for (String name : configured.keySet()) {
            if (!SUBJECT_BUDGET.contains(name)) {
                throw new IllegalStateException(prefix + ".per-subject-budget." + name + " is not a budget; known: "
                        + SUBJECT_BUDGET);
            }
        }
        return usd(prefix + ".per-subject-budget.usd-per-day", configured.get("usd-per-day"));
    }

    /** An amount of dollars as configured ({@link Money}'s rules, above 0), in micro-dollars; null for none. */
    @Nullable
    private static Long usd(String property, @Nullable Object value) {
        if (value == null) {
            return null;
        }
        try {
            long micros = Money.parse(value.toString().trim());
            if (micros > 0) {
                return micros;
            }
        } catch (IllegalArgumentException e) {
            // refused below
        }
        throw new IllegalStateException(property + " must be an amount of US dollars above 0 and at most "
                + Money.MAX_MICROS / Money.MICROS_PER_USD + " with at most six digits after the point, written as "
                + "a quoted decimal such as \"0.50\"");
    }

    @Nullable
    private static Long positive(String prefix, Map<String, Object> configured, String name) {
        Object value = configured.get(name);
        if (value == null) {
            return null;
        }
        try {
            long n = Long.parseLong(value.toString().trim());
            if (n >= 1) {
                return n;
            }
        } catch (NumberFormatException e) {
            // refused below
        }
        throw new IllegalStateException(prefix + ".limits." + name + " must be a whole number from 1");
    }
}

package dev.ephemera.profile;

import dev.ephemera.auth.Caller;
import dev.ephemera.error.BrokerException;
import dev.ephemera.error.ErrorCode;
import dev.ephemera.provider.ProviderRegistry;
import dev.ephemera.token.Admission;
import dev.ephemera.token.MintRequest;
import dev.ephemera.token.MintedToken;
import dev.ephemera.token.TokenMinter;
import io.micronaut.core.annotation.Nullable;
import jakarta.inject.Singleton;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionStage;

/**
 * A browser's token from a server-side profile: what {@code POST /realtime-token} and the OAuth token exchange of a
 * user JWT mint. The caller may only pick a profile and narrow its lifetime, uses and endpoints; the token is bound
 * to the page's origin, which must be one of the profile's, and carries the profile's limits and its budget per
 * subject (the user's {@code sub}, or the key's id).
 */
@Singleton
public final class ProfileMinter {

    /** What a caller may ask of a profile; null leaves the profile's value. */
    public record Asked(@Nullable String profile, @Nullable Long ttlSeconds, @Nullable Long maxUses,
            @Nullable List<String> endpoints) {
    }

    private final Profiles profiles;
    private final TokenMinter tokens;
    private final ProviderRegistry providers;

    ProfileMinter(Profiles profiles, TokenMinter tokens, ProviderRegistry providers) {
        this.profiles = profiles;
        this.tokens = tokens;
        this.providers = providers;
    }

    /**
     * Mints for {@code caller} (made at its client address) on the page at {@code origin} (canonical, or null when
     * the request named none).
     *
     * @throws BrokerException {@code invalid_request} for a narrowing that widens, {@code origin_not_allowed} for an
     *                         origin the profile does not list
     */
    public CompletionStage<MintedToken> mint(Caller caller, Asked asked, @Nullable String origin) {
        Profiles.Profile profile = profiles.select(asked.profile());
        Long ttl = asked.ttlSeconds();
        BrokerException.requireWithin(ttl, "ttl_seconds", 10, profile.ttl().toSeconds());
        Long uses = asked.maxUses();
        BrokerException.requireWithin(uses, "max_uses", 1, profile.maxUses());
        if (origin == null || !profile.allowedOrigins().contains(origin)) {
            throw new BrokerException(ErrorCode.ORIGIN_NOT_ALLOWED, "This page's origin may not fetch tokens of "
                    + "profile '" + profile.name() + "'.");
        }
        List<String> endpoints = narrowed(profile, asked.endpoints());
        Duration lifetime = ttl == null ? profile.ttl() : Duration.ofSeconds(ttl);
        MintRequest mint = MintRequest.builder(profile.provider(), lifetime)
                .model(profile.model())
                .maxUses(uses == null ? profile.maxUses() : uses.intValue())
                .subject(caller.subject() != null ? caller.subject() : caller.id())
                .origin(origin)
                .session(profile.session())
                .lockedFields(profile.lockedFields())
                .maxSession(profile.maxSessionDuration())
                .endpoints(endpoints)
                .limits(profile.limits().withSubjectBudget(profile.subjectMicrosPerDay()))
                .build();
        return tokens.mint(caller, mint, Admission.BROWSER);
    }

    /** The endpoints a browser asked for: some of the profile's (or the provider's, if it names none), never more. */
    private List<String> narrowed(Profiles.Profile profile, @Nullable List<String> asked) {
        if (asked == null) {
            return profile.endpoints();
        }
        List<String> out = new ArrayList<>();
        for (String endpoint : asked) {
            String canonical = providers.endpointOf(profile.provider(), endpoint).orElse(null);
            if (canonical == null || !profile.endpoints().isEmpty() && !profile.endpoints().contains(canonical)) {
                throw BrokerException.invalid("endpoints", "'endpoints' may only narrow the profile's endpoints.");
            }
            out.add(canonical);
        }
        return out;
    }
}

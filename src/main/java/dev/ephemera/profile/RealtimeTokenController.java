package dev.ephemera.profile;

import dev.ephemera.auth.Caller;
import dev.ephemera.auth.JwtCallers;
import dev.ephemera.auth.Permission;
import dev.ephemera.error.BrokerException;
import dev.ephemera.error.ErrorCode;
import dev.ephemera.provider.ProviderRegistry;
import dev.ephemera.ratelimit.MintLimits;
import dev.ephemera.token.MintRequest;
import dev.ephemera.token.MintedToken;
import dev.ephemera.token.TokenFormat;
import dev.ephemera.token.TokenMinter;
import dev.ephemera.web.ClientAddresses;
import dev.ephemera.web.Origins;
import dev.ephemera.web.RequestBodies;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpHeaders;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.MediaType;
import io.micronaut.http.annotation.Body;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Post;
import io.micronaut.security.annotation.Secured;
import io.micronaut.security.authentication.Authentication;
import io.micronaut.serde.annotation.Serdeable;
import jakarta.validation.constraints.Size;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionStage;

/**
 * {@code POST /realtime-token}: a browser's token, minted from a server-side profile for the authenticated user
 * (a user JWT; or an API key with {@code write}, for backends that fetch on a user's behalf). The body may only
 * pick a profile and narrow its lifetime and uses. The token is bound to the request's {@code Origin}, which must
 * be one of the profile's.
 */
@Controller("/realtime-token")
@Secured({JwtCallers.ROLE_USER, Permission.ROLE_WRITE})
final class RealtimeTokenController {

    /** The body a page sends: which profile, and what it narrows. */
    @Serdeable.Deserializable
    record Fields(
            @Nullable String profile,
            @Nullable Long ttlSeconds,
            @Nullable Long maxUses,
            @Size(max = 32, message = "'endpoints' may hold at most 32 items.") @Nullable List<String> endpoints) {
    }

    private final Profiles profiles;
    private final TokenMinter tokens;
    private final MintLimits limits;
    private final RequestBodies bodies;
    private final ProviderRegistry providers;
    private final ClientAddresses clients;

    RealtimeTokenController(Profiles profiles, TokenMinter tokens, MintLimits limits, RequestBodies bodies,
            ProviderRegistry providers, ClientAddresses clients) {
        this.clients = clients;
        this.providers = providers;
        this.profiles = profiles;
        this.tokens = tokens;
        this.limits = limits;
        this.bodies = bodies;
    }

    @Post(consumes = MediaType.APPLICATION_JSON, produces = MediaType.APPLICATION_JSON)
    CompletionStage<HttpResponse<MintedToken>> mint(HttpRequest<?> request, @Body @Nullable String body,
            Authentication authentication) {
        Fields fields = bodies.json(body, Fields.class);
        Profiles.Profile profile = profiles.select(fields.profile());
        Long ttl = fields.ttlSeconds();
        RequestBodies.requireWithin(ttl, "ttl_seconds", 10, profile.ttl().toSeconds());
        Long uses = fields.maxUses();
        RequestBodies.requireWithin(uses, "max_uses", 1, profile.maxUses());
        String origin = Origins.canonical(request.getHeaders().get(HttpHeaders.ORIGIN));
        if (origin == null || !profile.allowedOrigins().contains(origin)) {
            throw new BrokerException(ErrorCode.ORIGIN_NOT_ALLOWED, "This page's origin may not fetch tokens of "
                    + "profile '" + profile.name() + "'.");
        }
        List<String> endpoints = narrowed(profile, fields.endpoints());
        Caller caller = Caller.of(authentication).at(clients.of(request));
        MintRequest mint = new MintRequest(profile.provider(), profile.model(),
                ttl == null ? profile.ttl() : Duration.ofSeconds(ttl), TokenFormat.OPAQUE,
                uses == null ? profile.maxUses() : uses.intValue(), caller.subject() != null ? caller.subject()
                        : caller.id(), origin, "relay", profile.session(), profile.lockedFields(),
                profile.maxSessionDuration(), endpoints, profile.limits());
        return tokens.mintAsync(caller, mint, () -> limits.browserMintAsync(caller, caller.clientAddress()))
                .thenApply(HttpResponse::created);
    }

    /** The endpoints a browser asked for: some of the profile's (or the provider's, if it names none), never more. */
    private List<String> narrowed(Profiles.Profile profile, @Nullable List<String> asked) {
        if (asked == null) {
            return profile.endpoints();
        }
        List<String> out = new java.util.ArrayList<>();
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

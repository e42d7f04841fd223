package dev.ephemera.profile;

import dev.ephemera.auth.Caller;
import dev.ephemera.auth.JwtCallers;
import dev.ephemera.auth.Permission;
import dev.ephemera.token.MintedToken;
import dev.ephemera.web.ClientAddresses;
import dev.ephemera.url.Origins;
import dev.ephemera.web.StrictBody;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpHeaders;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.MediaType;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Post;
import io.micronaut.security.annotation.Secured;
import io.micronaut.security.authentication.Authentication;
import io.micronaut.serde.annotation.Serdeable;
import jakarta.validation.constraints.Size;
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

    private final ProfileMinter minter;
    private final ClientAddresses clients;

    RealtimeTokenController(ProfileMinter minter, ClientAddresses clients) {
        this.minter = minter;
        this.clients = clients;
    }

    @Post(consumes = MediaType.APPLICATION_JSON, produces = MediaType.APPLICATION_JSON)
    CompletionStage<HttpResponse<MintedToken>> mint(HttpRequest<?> request, @StrictBody Fields fields,
            Authentication authentication) {
        Caller caller = Caller.of(authentication).at(clients.of(request));
        return minter.mint(caller, new ProfileMinter.Asked(fields.profile(), fields.ttlSeconds(), fields.maxUses(),
                fields.endpoints()), Origins.canonical(request.getHeaders().get(HttpHeaders.ORIGIN)))
                .thenApply(HttpResponse::created);
    }
}

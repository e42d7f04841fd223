package dev.ephemera.oauth;

import dev.ephemera.auth.Caller;
import dev.ephemera.auth.JwtCallers;
import dev.ephemera.auth.OAuthClients;
import dev.ephemera.auth.Permission;
import dev.ephemera.error.BrokerException;
import dev.ephemera.profile.ProfileMinter;
import dev.ephemera.token.Admission;
import dev.ephemera.token.MintRequest;
import dev.ephemera.token.MintedToken;
import dev.ephemera.token.TokenMinter;
import dev.ephemera.trace.Tracing;
import dev.ephemera.url.Origins;
import dev.ephemera.web.ClientAddresses;
import dev.ephemera.web.RequestBodies;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpHeaders;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.MediaType;
import io.micronaut.http.annotation.Body;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Post;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.security.annotation.Secured;
import io.micronaut.security.authentication.Authentication;
import io.micronaut.security.rules.SecurityRule;
import jakarta.inject.Named;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;

/**
 * {@code POST /oauth2/token} (SPEC §5), the OAuth 2.0 token endpoint, so that standard client libraries get
 * ephemeral tokens: {@code client_credentials} (RFC 6749 §4.4: the client is an API key with {@code write},
 * {@code client_id} its id and {@code client_secret} the key, as Basic or in the form) and token exchange (RFC
 * 8693: a service or user JWT of a trusted issuer as {@code subject_token}; client authentication optional). The
 * token is for {@code provider} (and {@code model}), or from {@code profile} for the page in {@code Origin}; a user
 * always mints from a profile. Answers {@code {access_token, token_type, expires_in}} (and {@code
 * issued_token_type} for an exchange), never cached; errors as RFC 6749 §5.2 ({@link OAuthError}).
 */
@Controller(OAuthTokenController.PATH)
@Secured(SecurityRule.IS_ANONYMOUS)
final class OAuthTokenController {

    /** The RFC 6749 token endpoint. */
    static final String PATH = "/oauth2/token";

    static final String CLIENT_CREDENTIALS = "client_credentials";
    static final String TOKEN_EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange";
    static final String ACCESS_TOKEN = "urn:ietf:params:oauth:token-type:access_token";
    static final String JWT = "urn:ietf:params:oauth:token-type:jwt";

    private final OAuthClients clients;
    private final JwtCallers jwts;
    private final TokenMinter minter;
    private final ProfileMinter profiles;
    private final RequestBodies bodies;
    private final ClientAddresses addresses;
    private final ExecutorService blocking;
    private final Tracing tracing;

    OAuthTokenController(OAuthClients clients, JwtCallers jwts, TokenMinter minter, ProfileMinter profiles,
            RequestBodies bodies, ClientAddresses addresses,
            @Named(TaskExecutors.BLOCKING) ExecutorService blocking, Tracing tracing) {
        this.tracing = tracing;
        this.clients = clients;
        this.jwts = jwts;
        this.minter = minter;
        this.profiles = profiles;
        this.bodies = bodies;
        this.addresses = addresses;
        this.blocking = blocking;
    }

    @Post(consumes = MediaType.ALL, produces = MediaType.APPLICATION_JSON)
    CompletionStage<HttpResponse<Map<String, Object>>> token(HttpRequest<?> http, @Body @Nullable String body,
            @Nullable Authentication authentication) {
        boolean sentAuthorization = http.getHeaders().contains(HttpHeaders.AUTHORIZATION);
        CompletionStage<Map<String, Object>> answer;
        try {
            TokenRequest request = read(http, body);
            answer = request.grantType().equals(CLIENT_CREDENTIALS) ? clientCredentials(http, authentication, request)
                    : exchange(http, authentication, request);
        } catch (OAuthError e) {
            return CompletableFuture.completedFuture(e.response(sentAuthorization));
        }
        return answer.<HttpResponse<Map<String, Object>>>thenApply(token -> HttpResponse.ok(token)
                        .header(HttpHeaders.CACHE_CONTROL, "no-store").header(HttpHeaders.PRAGMA, "no-cache"))
                .exceptionally(failure -> OAuthError.ofMinting(failure).response(sentAuthorization));
    }

    private TokenRequest read(HttpRequest<?> http, @Nullable String body) {
        MediaType type = http.getContentType().orElse(null);
        if (type == null || !type.matches(MediaType.APPLICATION_FORM_URLENCODED_TYPE)) {
            throw OAuthError.of("invalid_request", "Send the token request as application/x-www-form-urlencoded.");
        }
        Map<String, String> fields;
        TokenRequest request;
        try {
            fields = RequestBodies.formFields(body);
        } catch (BrokerException e) {
            throw OAuthError.of("invalid_request", e.getMessage());
        }
        // Asked first: a grant of another kind brings parameters of its own (refresh_token, code, …).
        String grant = fields.get("grant_type");
        if (grant == null || grant.isEmpty()) {
            throw OAuthError.of("invalid_request", "grant_type is required.");
        }
        if (!grant.equals(CLIENT_CREDENTIALS) && !grant.equals(TOKEN_EXCHANGE)) {
            throw OAuthError.of("unsupported_grant_type", "grant_type must be client_credentials or "
                    + TOKEN_EXCHANGE + ".");
        }
        try {
            request = bodies.form(fields, TokenRequest.class);
        } catch (BrokerException e) {
            throw OAuthError.of("invalid_request", e.getMessage());
        }
        if (request.scope() != null && !request.scope().isBlank()) {
            throw OAuthError.of("invalid_scope", "This broker defines no scopes; what a token is for is named by "
                    + "provider and model, or profile.");
        }
        return request;
    }

    private CompletionStage<Map<String, Object>> clientCredentials(HttpRequest<?> http,
            @Nullable Authentication authentication, TokenRequest request) {
        if (request.subjectToken() != null || request.actorToken() != null) {
            throw OAuthError.of("invalid_request", "subject_token and actor_token belong to token exchange.");
        }
        return clients.caller(http, authentication, request.clientId(), request.clientSecret())
                .exceptionally(failure -> {
                    throw OAuthError.ofClient(failure);
                })
                .thenCompose(found -> {
                    Caller caller = found.orElseThrow(() -> OAuthError.of("invalid_client", "Authenticate with "
                            + "the API key's id and the key: client_secret_basic or client_secret_post."));
                    if (caller.user() || !caller.has(Permission.WRITE)) {
                        throw OAuthError.of("unauthorized_client", "This client (API key) lacks the write "
                                + "permission that minting needs.");
                    }
                    return mint(http, caller.at(addresses.of(http)), request, null);
                });
    }

    private CompletionStage<Map<String, Object>> exchange(HttpRequest<?> http,
            @Nullable Authentication authentication, TokenRequest request) {
        if (request.subjectToken() == null || request.subjectToken().isEmpty()) {
            throw OAuthError.of("invalid_request", "subject_token is required.");
        }
        if (!JWT.equals(request.subjectTokenType()) && !ACCESS_TOKEN.equals(request.subjectTokenType())) {
            throw OAuthError.of("invalid_request", "subject_token_type must be " + JWT + " or " + ACCESS_TOKEN
                    + ": the subject is a JWT of a trusted issuer.");
        }
        if (request.requestedTokenType() != null && !ACCESS_TOKEN.equals(request.requestedTokenType())) {
            throw OAuthError.of("invalid_request", "requested_token_type can only be " + ACCESS_TOKEN + ".");
        }
        if (request.actorToken() != null || request.actorTokenType() != null) {
            throw OAuthError.of("invalid_request", "Delegation (actor_token) is not supported.");
        }
        String subject = request.subjectToken();
        // A client that authenticates must do so rightly; one that does not is a public client (a browser).
        return clients.caller(http, authentication, request.clientId(), request.clientSecret())
                .exceptionally(failure -> {
                    throw OAuthError.ofClient(failure);
                })
                // A JWKS may have to be fetched: off the event loop.
                .thenCompose(client -> CompletableFuture.supplyAsync(() -> verified(subject), blocking))
                .thenCompose(caller -> {
                    if (!caller.user() && !caller.has(Permission.WRITE)) {
                        throw OAuthError.of("invalid_grant", "The subject token's service lacks the write "
                                + "permission that minting needs.");
                    }
                    return mint(http, caller.at(addresses.of(http)), request, ACCESS_TOKEN);
                });
    }

    private Caller verified(String subjectToken) {
        if (!jwts.any()) {
            throw OAuthError.of("invalid_grant", "This broker trusts no JWT issuer (ephemera.auth.issuers).");
        }
        try {
            return jwts.verify(subjectToken);
        } catch (BrokerException e) {
            throw OAuthError.of("invalid_grant", e.getMessage());
        }
    }

    private CompletionStage<Map<String, Object>> mint(HttpRequest<?> http, Caller caller, TokenRequest request,
            @Nullable String issuedType) {
        CompletionStage<MintedToken> minted;
        if (caller.user() || request.profile() != null) {
            if (request.provider() != null || request.model() != null) {
                throw OAuthError.of("invalid_request", "A token from a profile takes its provider and model from "
                        + "the profile; name one or the other.");
            }
            minted = profiles.mint(caller, new ProfileMinter.Asked(request.profile(), request.ttlSeconds(),
                    request.maxUses(), null), Origins.canonical(http.getHeaders().get(HttpHeaders.ORIGIN)));
        } else {
            if (request.provider() == null) {
                throw OAuthError.of("invalid_request", "provider is required (or profile).");
            }
            minted = minter.mint(caller, MintRequest.forProvider(request.provider(), request.model(),
                    request.ttlSeconds(), request.maxUses(), minter.configuration()), Admission.CALLER,
                    tracing.incoming(http));
        }
        return minted.thenApply(token -> {
            Map<String, Object> answer = new LinkedHashMap<>();
            answer.put("access_token", token.value());
            answer.put("token_type", "Bearer");
            answer.put("expires_in", token.expiresIn());
            if (issuedType != null) {
                answer.put("issued_token_type", issuedType);
            }
            return answer;
        });
    }
}

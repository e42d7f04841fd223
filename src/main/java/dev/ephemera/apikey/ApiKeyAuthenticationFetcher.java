package dev.ephemera.apikey;

import dev.ephemera.auth.Caller;
import dev.ephemera.auth.JwtCallers;
import dev.ephemera.error.BrokerException;
import dev.ephemera.error.ErrorCode;
import dev.ephemera.token.jwt.JwtTokens;
import io.micronaut.http.HttpHeaders;
import io.micronaut.http.HttpRequest;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.security.authentication.Authentication;
import io.micronaut.security.filters.AuthenticationFetcher;
import jakarta.inject.Named;
import jakarta.inject.Singleton;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.function.Supplier;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * Reads the caller's credential from {@code Authorization: Bearer} or {@code x-api-key} (SPEC §3): an API key, or
 * a JWT from a configured issuer ({@link JwtCallers}); and turns it into a Micronaut Security
 * {@link Authentication} whose roles are the caller's permissions ({@code user} for browser users).
 *
 * <p>A failure does not end the request here: it is remembered on the request
 * ({@link Caller#AUTHENTICATION_FAILURE}) and reported by {@code auth.AuthorizationExceptionHandler} only if the
 * endpoint needs a caller, so that public endpoints stay public whatever headers arrive.
 */
@Singleton
final class ApiKeyAuthenticationFetcher implements AuthenticationFetcher<HttpRequest<?>> {

    static final String X_API_KEY = "x-api-key";
    /** Query parameters that look like an attempt to authenticate through the URL. */
    private static final Set<String> CREDENTIAL_PARAMS = Set.of("api_key", "apikey", "api-key", "key",
            "x-api-key", "access_token", "admin_key");
    private static final int MAX_CREDENTIAL_LENGTH = 8192;
    /** The usage report, whose {@code key} parameter is a key's id (SPEC §5). */
    private static final String USAGE_PATH = "/v1/usage";
    /** Where OAuth clients authenticate with {@code Authorization: Basic} (RFC 6749 §2.3.1, RFC 7662, RFC 7009). */
    private static final Set<String> OAUTH_CLIENT_PATHS = Set.of("/oauth2/token", "/v1/tokens/introspect",
            "/v1/tokens/revoke");

    private final ApiKeyService keys;
    private final JwtCallers jwts;
    private final Scheduler blocking;

    ApiKeyAuthenticationFetcher(ApiKeyService keys, JwtCallers jwts,
            @Named(TaskExecutors.BLOCKING) ExecutorService executor) {
        this.keys = keys;
        this.jwts = jwts;
        this.blocking = Schedulers.fromExecutorService(executor);
    }

    @Override
    public Publisher<Authentication> fetchAuthentication(HttpRequest<?> request) {
        String path = request.getPath();
        if (path.equals("/v1/realtime") || path.equals("/v1/realtime/calls") || path.equals("/v1/live/sessions")
                || path.startsWith("/v1/proxy/")) {
            // Relays take ephemeral tokens, checked by the relays themselves; callers play no part there.
            return Mono.empty();
        }
        String presented;
        BasicCredentials client;
        try {
            refuseCredentialsInTheUrl(request);
            client = clientCredentials(request);
            presented = client == null ? credential(request) : null;
        } catch (BrokerException e) {
            request.setAttribute(Caller.AUTHENTICATION_FAILURE, e);
            return Mono.empty();
        }
        if (client != null) {
            // client_secret_basic on an OAuth endpoint: the key's id and the key, checked together.
            return authenticated(request, () -> keys.authenticate(client.clientId(), client.clientSecret()));
        }
        if (presented == null) {
            return Mono.empty();
        }
        if (presented.startsWith("eph_")) {
            request.setAttribute(Caller.AUTHENTICATION_FAILURE, new BrokerException(ErrorCode.INVALID_API_KEY,
                    "Ephemeral tokens (eph_…) authenticate only on the relay endpoints; use an API key here."));
            return Mono.empty();
        }
        if (JwtTokens.looksLikeJwt(presented) && jwts.any()) {
            // A JWKS may have to be fetched: off the event loop.
            return Mono.fromCallable(() -> jwts.verify(presented).authentication())
                    .subscribeOn(blocking)
                    .onErrorResume(BrokerException.class, e -> {
                        request.setAttribute(Caller.AUTHENTICATION_FAILURE, e);
                        return Mono.empty();
                    });
        }
        // The key's record is read without blocking; the request goes on from Redis's reply (at once where no
        // record is needed: the bootstrap key, a malformed one).
        return authenticated(request, () -> keys.authenticate(presented));
    }

    private static Publisher<Authentication> authenticated(HttpRequest<?> request,
            Supplier<CompletionStage<Caller>> check) {
        return Mono.fromCompletionStage(check)
                .map(Caller::authentication)
                .onErrorResume(BrokerException.class, e -> {
                    request.setAttribute(Caller.AUTHENTICATION_FAILURE, e);
                    return Mono.empty();
                });
    }

    /**
     * Refuses a request that looks like it authenticates through its URL, where keys end up in logs. One parameter
     * of that name is not a credential: {@code GET /v1/usage?key=} names the key whose usage is asked for, by its
     * id ({@code key_…}, or a service's {@code jwt:…}); any other value there is refused as a key would be.
     */
    private static void refuseCredentialsInTheUrl(HttpRequest<?> request) {
        for (String name : request.getParameters().names()) {
            List<String> values = request.getParameters().getAll(name);
            boolean keyId = name.equals("key") && request.getPath().equals(USAGE_PATH)
                    && values.stream().allMatch(v -> v.startsWith("key_") || v.startsWith("jwt:"));
            boolean suspicious = CREDENTIAL_PARAMS.contains(name.toLowerCase(Locale.ROOT)) && !keyId
                    || values.stream().anyMatch(v -> v.startsWith("ephk_"));
            if (suspicious) {
                throw new BrokerException(ErrorCode.UNSUPPORTED_AUTH_METHOD, "API keys in the URL are refused: "
                        + "URLs end up in logs. Send the key as Authorization: Bearer <key> or x-api-key.", name);
            }
        }
    }

    /** {@code Authorization: Basic} on an OAuth endpoint, as the only credential; null when there is none. */
    private static BasicCredentials clientCredentials(HttpRequest<?> request) {
        List<String> authorizations = request.getHeaders().getAll(HttpHeaders.AUTHORIZATION);
        if (!OAUTH_CLIENT_PATHS.contains(request.getPath()) || authorizations.size() != 1
                || !scheme(authorizations.get(0), "Basic")) {
            return null;
        }
        if (request.getHeaders().contains(X_API_KEY)) {
            throw malformed("Authorization and x-api-key both carry credentials; send one of them.");
        }
        return BasicCredentials.parse(authorizations.get(0));
    }

    /** The key or JWT the request presents, null when none; refuses ambiguous credentials. */
    private static String credential(HttpRequest<?> request) {
        List<String> authorizations = request.getHeaders().getAll(HttpHeaders.AUTHORIZATION);
        List<String> apiKeys = request.getHeaders().getAll(X_API_KEY);
        if (authorizations.size() > 1 || apiKeys.size() > 1) {
            throw malformed("Send one Authorization or x-api-key header, not several.");
        }
        String bearer = authorizations.isEmpty() ? null : bearer(authorizations.get(0));
        String apiKey = apiKeys.isEmpty() ? null : apiKeys.get(0).trim();
        if (apiKey != null && (apiKey.isEmpty() || apiKey.length() > MAX_CREDENTIAL_LENGTH)) {
            throw malformed("The x-api-key header is empty or too long.");
        }
        if (bearer != null && apiKey != null && !bearer.equals(apiKey)) {
            throw malformed("Authorization and x-api-key carry different keys; send one of them.");
        }
        return bearer != null ? bearer : apiKey;
    }

    private static boolean scheme(String header, String scheme) {
        int space = header.indexOf(' ');
        return space > 0 && header.substring(0, space).equalsIgnoreCase(scheme);
    }

    private static String bearer(String header) {
        int space = header.indexOf(' ');
        if (space < 0 || !header.substring(0, space).equalsIgnoreCase("Bearer")) {
            throw malformed("The Authorization header must be 'Bearer <key>'.");
        }
        String credential = header.substring(space + 1).trim();
        if (credential.isEmpty() || credential.length() > MAX_CREDENTIAL_LENGTH || credential.contains(" ")) {
            throw malformed("The Authorization header must be 'Bearer <key>'.");
        }
        return credential;
    }

    private static BrokerException malformed(String message) {
        return new BrokerException(ErrorCode.MALFORMED_AUTHORIZATION, message);
    }
}

package dev.ephemera.auth;

import dev.ephemera.error.BrokerException;
import dev.ephemera.error.ErrorCode;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpHeaders;
import io.micronaut.http.HttpRequest;
import io.micronaut.security.authentication.Authentication;
import jakarta.inject.Singleton;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Who calls an OAuth endpoint ({@code /oauth2/token}, introspection, revocation), which standard clients
 * authenticate to in one of three ways: a key as {@code Authorization: Bearer} or {@code x-api-key}, the key's id
 * and secret as {@code Authorization: Basic} ({@code client_secret_basic}; both read by the authentication fetcher
 * before the route), or as {@code client_id} and {@code client_secret} in the form ({@code client_secret_post},
 * read here, since the body is the route's). More than one way in one request is refused (RFC 6749 §2.3); a
 * {@code client_id} without a secret authenticates nothing.
 */
@Singleton
public final class OAuthClients {

    private final ClientSecrets secrets;

    OAuthClients(ClientSecrets secrets) {
        this.secrets = secrets;
    }

    /**
     * The caller, or empty when the request carries no client authentication at all.
     *
     * @param header       what the authentication fetcher made of the request's headers, if anything
     * @param clientId     the form's {@code client_id}
     * @param clientSecret the form's {@code client_secret}
     * @return a stage failing with the credential's refusal ({@code invalid_api_key}, {@code
     *         malformed_authorization}, …)
     */
    public CompletionStage<Optional<Caller>> caller(HttpRequest<?> request, @Nullable Authentication header,
            @Nullable String clientId, @Nullable String clientSecret) {
        // A client_id alone is a public client naming itself (RFC 6749 §3.2.1), which authenticates nothing.
        if (clientSecret != null) {
            HttpHeaders headers = request.getHeaders();
            if (headers.contains(HttpHeaders.AUTHORIZATION) || headers.contains("x-api-key")) {
                return CompletableFuture.failedFuture(new BrokerException(ErrorCode.MALFORMED_AUTHORIZATION,
                        "Authenticate one way: an Authorization header or client_id and client_secret in the form, "
                                + "not both."));
            }
            if (clientId == null || clientId.isEmpty() || clientSecret.isEmpty()) {
                return CompletableFuture.failedFuture(new BrokerException(ErrorCode.INVALID_API_KEY,
                        "Send both client_id (the key's id) and client_secret (the key)."));
            }
            return secrets.authenticate(clientId, clientSecret).thenApply(Optional::of);
        }
        Optional<BrokerException> failed = request.getAttribute(Caller.AUTHENTICATION_FAILURE,
                BrokerException.class);
        if (failed.isPresent()) {
            return CompletableFuture.failedFuture(failed.get());
        }
        return CompletableFuture.completedFuture(Optional.ofNullable(header).map(Caller::of));
    }

    /**
     * The caller, who must hold {@code permission}.
     *
     * @return a stage failing with {@code missing_api_key} without client authentication, {@code
     *         insufficient_permissions} without the permission, or the credential's refusal
     */
    public CompletionStage<Caller> require(HttpRequest<?> request, @Nullable Authentication header,
            @Nullable String clientId, @Nullable String clientSecret, Permission permission) {
        return caller(request, header, clientId, clientSecret).thenApply(found -> {
            Caller caller = found.orElseThrow(() -> new BrokerException(ErrorCode.MISSING_API_KEY, "Send an API key "
                    + "as 'Authorization: Bearer <key>', or its id and the key as client_id and client_secret."));
            if (caller.user() || !caller.has(permission)) {
                throw new BrokerException(ErrorCode.INSUFFICIENT_PERMISSIONS, "This API key lacks the permission "
                        + "this endpoint needs.");
            }
            return caller;
        });
    }
}

package dev.ephemera.token;

import dev.ephemera.auth.Caller;
import dev.ephemera.auth.OAuthClients;
import dev.ephemera.auth.Permission;
import dev.ephemera.trace.GenAi;
import dev.ephemera.trace.Spans;
import dev.ephemera.trace.Tracing;
import dev.ephemera.url.BrokerUrls;
import dev.ephemera.web.ClientAddresses;
import dev.ephemera.web.StrictBody;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.MediaType;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Delete;
import io.micronaut.http.annotation.PathVariable;
import io.micronaut.http.annotation.Post;
import io.micronaut.json.JsonMapper;
import io.micronaut.json.tree.JsonNode;
import io.micronaut.security.annotation.Secured;
import io.micronaut.security.authentication.Authentication;
import io.micronaut.security.rules.SecurityRule;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import java.io.IOException;
import java.util.Map;
import java.util.concurrent.CompletionStage;

/**
 * {@code /v1/tokens}: mint, introspect (RFC 7662), revoke (RFC 7009) and revoke by handle. Introspection and
 * revocation take their caller as standard OAuth clients send it ({@link OAuthClients}: Bearer, Basic, or in the
 * form), so their routes let anyone in and ask for the permission themselves. Each runs on the event
 * loop and never blocks it: the store answers asynchronously. Each is traced under the backend's {@code traceparent}.
 */
@Controller(TokenPaths.TOKENS)
final class TokenController {

    private final TokenMinter minter;
    private final TokenRedeemer redeemer;
    private final TokenRevoker revoker;
    private final ClientAddresses clients;
    private final BrokerUrls urls;
    private final OAuthClients oauthClients;
    private final JsonMapper json;
    private final Tracing tracing;

    TokenController(TokenMinter minter, TokenRedeemer redeemer, TokenRevoker revoker,
            ClientAddresses clients, BrokerUrls urls, OAuthClients oauthClients, JsonMapper json, Tracing tracing) {
        this.tracing = tracing;
        this.json = json;
        this.urls = urls;
        this.oauthClients = oauthClients;
        this.minter = minter;
        this.redeemer = redeemer;
        this.revoker = revoker;
        this.clients = clients;
    }

    @Post(consumes = MediaType.APPLICATION_JSON, produces = MediaType.APPLICATION_JSON)
    @Secured(Permission.ROLE_WRITE)
    CompletionStage<HttpResponse<MintedToken>> mint(HttpRequest<?> http, @StrictBody MintBody body,
            Authentication authentication) {
        MintRequest request = MintRequest.of(body, minter.configuration());
        Caller caller = Caller.of(authentication).at(clients.of(http));
        return minter.mint(caller, request, Admission.CALLER, tracing.incoming(http)).thenApply(HttpResponse::created);
    }

    @Post(uri = TokenPaths.INTROSPECT, consumes = {MediaType.APPLICATION_FORM_URLENCODED, MediaType.APPLICATION_JSON},
            produces = MediaType.APPLICATION_JSON)
    @Secured(SecurityRule.IS_ANONYMOUS)
    CompletionStage<Introspection> introspect(HttpRequest<?> http,
            @StrictBody(form = true) TokenBodies.Introspect fields, @Nullable Authentication authentication) {
        PresentedToken token = redeemer.present(fields.token());
        // Taking a use is a redemption, which is more than reading: it needs write.
        Permission needed = fields.consuming() ? Permission.WRITE : Permission.READ;
        Span span = tracing.start("introspect", SpanKind.SERVER, tracing.incoming(http));
        return Spans.traced(span, () -> oauthClients.require(http, authentication, fields.clientId(),
                fields.clientSecret(), needed)
                .thenCompose(caller -> fields.consuming()
                        ? redeemer.consume(token, Binding.NONE, caller.id(), clients.of(http))
                                .thenApply(this::introspection)
                        : redeemer.look(token).thenApply(live -> live.map(this::introspection)
                                .orElse(Introspection.INACTIVE)))
                .whenComplete((answer, failed) -> {
                    if (answer != null && answer.active() && answer.jti() != null) {
                        span.setAttribute(GenAi.TOKEN_ID, answer.jti());
                    }
                }));
    }

    private Introspection introspection(RedeemedToken token) {
        try {
            JsonNode session = token.session() == null ? null
                    : json.readValue(token.session().text(), JsonNode.class);
            return Introspection.of(token, urls.issuer(), session);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read a token's session config", e);
        }
    }

    @Post(uri = TokenPaths.REVOKE, consumes = {MediaType.APPLICATION_FORM_URLENCODED, MediaType.APPLICATION_JSON},
            produces = MediaType.APPLICATION_JSON)
    @Secured(SecurityRule.IS_ANONYMOUS)
    CompletionStage<HttpResponse<Map<String, Object>>> revoke(HttpRequest<?> http,
            @StrictBody(form = true) TokenBodies.Revoke fields, @Nullable Authentication authentication) {
        Span span = tracing.start("revoke", SpanKind.SERVER, tracing.incoming(http));
        return Spans.traced(span, () -> oauthClients.require(http, authentication, fields.clientId(),
                fields.clientSecret(), Permission.WRITE).thenCompose(caller -> revoker.revoke(fields.token(), caller,
                span)))
                .thenApply(revoked -> HttpResponse.ok(Map.of()));
    }

    @Delete("/{id}")
    @Secured(Permission.ROLE_WRITE)
    CompletionStage<HttpResponse<Void>> revokeById(HttpRequest<?> http, @PathVariable String id,
            Authentication authentication) {
        String checked = TokenIds.checked(id);
        Span span = tracing.start("revoke", SpanKind.SERVER, tracing.incoming(http));
        span.setAttribute(GenAi.TOKEN_ID, checked);
        return Spans.traced(span, () -> revoker.revokeById(Caller.of(authentication), checked, span))
                .thenApply(revoked -> HttpResponse.noContent());
    }
}

package dev.ephemera.oauth;

import dev.ephemera.token.TokenPaths;
import dev.ephemera.token.jwt.JwksController;
import dev.ephemera.token.jwt.JwtTokens;
import dev.ephemera.url.BrokerUrls;
import io.micronaut.http.HttpHeaders;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.MediaType;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.security.annotation.Secured;
import io.micronaut.security.rules.SecurityRule;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * RFC 8414 authorization server metadata, beside the token endpoint it describes; every endpoint it names is
 * taken from where that endpoint is declared, so the two cannot drift apart.
 */
@Controller
@Secured(SecurityRule.IS_ANONYMOUS)
final class MetadataController {

    /** How introspection and revocation callers authenticate: RFC 6749 §2.3.1 both ways, or a key as Bearer. */
    private static final List<String> CLIENT_AUTH = List.of("client_secret_basic", "client_secret_post", "bearer");

    private final JwtTokens jwts;
    private final BrokerUrls urls;

    MetadataController(JwtTokens jwts, BrokerUrls urls) {
        this.jwts = jwts;
        this.urls = urls;
    }

    @Get(uri = "/.well-known/oauth-authorization-server", produces = MediaType.APPLICATION_JSON)
    HttpResponse<Map<String, Object>> metadata() {
        String issuer = urls.issuer();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("issuer", issuer);
        m.put("jwks_uri", issuer + JwksController.JWKS);
        m.put("token_endpoint", issuer + OAuthTokenController.PATH);
        // "none": a token exchange of a user's JWT needs no client authentication (a browser is a public client).
        m.put("token_endpoint_auth_methods_supported", List.of("client_secret_basic", "client_secret_post", "none"));
        m.put("introspection_endpoint", issuer + TokenPaths.TOKENS + TokenPaths.INTROSPECT);
        m.put("introspection_endpoint_auth_methods_supported", CLIENT_AUTH);
        m.put("revocation_endpoint", issuer + TokenPaths.TOKENS + TokenPaths.REVOKE);
        m.put("revocation_endpoint_auth_methods_supported", CLIENT_AUTH);
        m.put("response_types_supported", List.of());
        m.put("grant_types_supported", List.of(OAuthTokenController.CLIENT_CREDENTIALS,
                OAuthTokenController.TOKEN_EXCHANGE));
        m.put("token_endpoint_auth_signing_alg_values_supported", List.of(jwts.algorithm()));
        m.put("ephemera_token_endpoint", issuer + TokenPaths.TOKENS);
        m.put("ephemera_token_formats_supported", List.of("opaque", "jwt"));
        return HttpResponse.ok(m).header(HttpHeaders.CACHE_CONTROL, "public, max-age=300");
    }
}

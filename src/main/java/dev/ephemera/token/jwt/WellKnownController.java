package dev.ephemera.token.jwt;

import dev.ephemera.web.BrokerUrls;
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

/** The public discovery documents: the JWKS that verifies JWT tokens offline, and RFC 8414 metadata. */
@Controller("/.well-known")
@Secured(SecurityRule.IS_ANONYMOUS)
final class WellKnownController {

    /** How introspection and revocation callers authenticate: RFC 6749 §2.3.1 both ways, or a key as Bearer. */
    private static final List<String> CLIENT_AUTH = List.of("client_secret_basic", "client_secret_post", "bearer");

    private final SigningKeys keys;
    private final BrokerUrls urls;

    WellKnownController(SigningKeys keys, BrokerUrls urls) {
        this.keys = keys;
        this.urls = urls;
    }

    @Get(uri = "/jwks.json", produces = MediaType.APPLICATION_JSON)
    HttpResponse<Map<String, Object>> jwks() {
        List<Map<String, Object>> published = keys.published().stream().map(k -> k.toJSONObject()).toList();
        return HttpResponse.ok(Map.<String, Object>of("keys", published))
                .header(HttpHeaders.CACHE_CONTROL, "public, max-age=300");
    }

    @Get(uri = "/oauth-authorization-server", produces = MediaType.APPLICATION_JSON)
    HttpResponse<Map<String, Object>> metadata() {
        String issuer = urls.issuer();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("issuer", issuer);
        m.put("jwks_uri", issuer + "/.well-known/jwks.json");
        m.put("token_endpoint", issuer + "/oauth2/token");
        // "none": a token exchange of a user's JWT needs no client authentication (a browser is a public client).
        m.put("token_endpoint_auth_methods_supported", List.of("client_secret_basic", "client_secret_post", "none"));
        m.put("introspection_endpoint", issuer + "/v1/tokens/introspect");
        m.put("introspection_endpoint_auth_methods_supported", CLIENT_AUTH);
        m.put("revocation_endpoint", issuer + "/v1/tokens/revoke");
        m.put("revocation_endpoint_auth_methods_supported", CLIENT_AUTH);
        m.put("response_types_supported", List.of());
        m.put("grant_types_supported", List.of("client_credentials",
                "urn:ietf:params:oauth:grant-type:token-exchange"));
        m.put("token_endpoint_auth_signing_alg_values_supported", List.of(keys.algorithm().getName()));
        m.put("ephemera_token_endpoint", issuer + "/v1/tokens");
        m.put("ephemera_token_formats_supported", List.of("opaque", "jwt"));
        return HttpResponse.ok(m).header(HttpHeaders.CACHE_CONTROL, "public, max-age=300");
    }
}

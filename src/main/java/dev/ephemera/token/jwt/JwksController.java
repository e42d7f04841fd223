package dev.ephemera.token.jwt;

import io.micronaut.http.HttpHeaders;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.MediaType;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.security.annotation.Secured;
import io.micronaut.security.rules.SecurityRule;
import java.util.List;
import java.util.Map;

/** The JWKS that verifies JWT tokens offline (RFC 8414 metadata names it: {@code oauth.MetadataController}). */
@Controller
@Secured(SecurityRule.IS_ANONYMOUS)
public final class JwksController {

    /** Where the JWKS is published. */
    public static final String JWKS = "/.well-known/jwks.json";

    private final SigningKeys keys;

    JwksController(SigningKeys keys) {
        this.keys = keys;
    }

    @Get(uri = JWKS, produces = MediaType.APPLICATION_JSON)
    HttpResponse<Map<String, Object>> jwks() {
        List<Map<String, Object>> published = keys.published().stream().map(k -> k.toJSONObject()).toList();
        return HttpResponse.ok(Map.<String, Object>of("keys", published))
                .header(HttpHeaders.CACHE_CONTROL, "public, max-age=300");
    }
}

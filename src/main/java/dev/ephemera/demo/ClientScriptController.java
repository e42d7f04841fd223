package dev.ephemera.demo;

import io.micronaut.http.HttpHeaders;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.security.annotation.Secured;
import io.micronaut.security.rules.SecurityRule;

/** {@code GET /ephemera.js}: the browser client, an ES module without dependencies. Always served. */
@Controller
@Secured(SecurityRule.IS_ANONYMOUS)
final class ClientScriptController {

    private final byte[] script = StaticFiles.read("public/ephemera.js");

    @Get(uri = "/ephemera.js", produces = "text/javascript")
    HttpResponse<byte[]> script() {
        return HttpResponse.ok(script).header(HttpHeaders.CACHE_CONTROL, "public, max-age=300");
    }
}

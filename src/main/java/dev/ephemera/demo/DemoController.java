package dev.ephemera.demo;

import io.micronaut.context.annotation.Requires;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.MediaType;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.security.annotation.Secured;
import io.micronaut.security.rules.SecurityRule;

/**
 * {@code GET /}: the demo page, when {@code ephemera.demo.enabled} (on in the development environment). It
 * fetches a token, shows its expiry counting down, and opens a realtime session through the relay.
 */
@Controller
@Secured(SecurityRule.IS_ANONYMOUS)
@Requires(property = "ephemera.demo.enabled", value = "true")
final class DemoController {

    private final byte[] page = StaticFiles.read("public/index.html");

    @Get(uri = "/", produces = MediaType.TEXT_HTML)
    HttpResponse<byte[]> page() {
        return HttpResponse.ok(page)
                .header("Content-Security-Policy", "default-src 'self'; connect-src *; style-src 'unsafe-inline'; "
                        + "script-src 'self' 'unsafe-inline'")
                .header("X-Content-Type-Options", "nosniff");
    }
}

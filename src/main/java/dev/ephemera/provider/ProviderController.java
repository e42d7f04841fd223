package dev.ephemera.provider;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.ephemera.auth.Permission;
import io.micronaut.http.MediaType;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.security.annotation.Secured;
import io.micronaut.serde.annotation.Serdeable;
import io.micronaut.serde.config.naming.SnakeCaseStrategy;
import java.util.List;
import java.util.Map;

/** {@code GET /v1/admin/providers}: what each provider is set to, and where its key comes from; never a key. */
@Controller("/v1/admin/providers")
@Secured(Permission.ROLE_ADMIN)
final class ProviderController {

    private final ProviderRegistry registry;

    ProviderController(ProviderRegistry registry) {
        this.registry = registry;
    }

    /** One provider, as operators see it. */
    @Serdeable(naming = SnakeCaseStrategy.class)
    @JsonInclude(JsonInclude.Include.ALWAYS)
    record ProviderView(String name, boolean enabled, String baseUrl, String realtimeUrl, String authStyle,
            String keySource, String secondaryKeySource, List<String> headers) {
    }

    @Get(produces = MediaType.APPLICATION_JSON)
    Map<String, Object> list() {
        List<ProviderView> views = registry.all().stream().map(p -> new ProviderView(p.name(), p.isConfigured(),
                p.baseUri().toString(), p.realtimeUri().toString(), p.authStyle().wireName(), p.primarySource(),
                p.secondarySource(), p.configuredHeaders().keySet().stream().sorted().toList())).toList();
        return Map.of("object", "list", "data", views);
    }
}

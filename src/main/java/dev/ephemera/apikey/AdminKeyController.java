package dev.ephemera.apikey;

import dev.ephemera.auth.KeyBudget;
import dev.ephemera.auth.Permission;
import dev.ephemera.error.BrokerException;
import dev.ephemera.error.ErrorCode;
import dev.ephemera.provider.ProviderRegistry;
import dev.ephemera.token.TokenRevoker;
import dev.ephemera.token.UsageLimits;
import dev.ephemera.url.Origins;
import dev.ephemera.web.StrictBody;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.MediaType;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Delete;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.PathVariable;
import io.micronaut.http.annotation.Post;
import io.micronaut.http.annotation.QueryValue;
import io.micronaut.security.annotation.Secured;
import io.micronaut.security.authentication.Authentication;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/** {@code /v1/admin/keys}: create, list, read, rotate and revoke API keys. Admins only. */
@Controller("/v1/admin/keys")
@Secured(Permission.ROLE_ADMIN)
final class AdminKeyController {

    private static final long DEFAULT_GRACE = Duration.ofMinutes(5).toSeconds();

    private final ApiKeyService keys;
    private final TokenRevoker tokens;
    private final ProviderRegistry providers;

    AdminKeyController(ApiKeyService keys, TokenRevoker tokens, ProviderRegistry providers) {
        this.keys = keys;
        this.tokens = tokens;
        this.providers = providers;
    }

    @Post(consumes = MediaType.APPLICATION_JSON, produces = MediaType.APPLICATION_JSON)
    CompletionStage<HttpResponse<ApiKeyView>> create(@StrictBody KeyBodies.Create fields,
            Authentication authentication) {
        Set<Permission> permissions = EnumSet.noneOf(Permission.class);
        for (String p : fields.permissions()) {
            Permission permission = Permission.fromWire(p);
            if (permission == null) {
                throw BrokerException.invalid("permissions",
                        "Unknown permission; use read, write, admin or webhook.");
            }
            permissions.add(permission);
        }
        Long expiresIn = fields.expiresIn();
        List<String> origins = orEmpty(fields.allowedOrigins()).stream()
                .map(o -> Origins.parse(o, "allowed_origins")).toList();
        List<String> allowedProviders = orEmpty(fields.allowedProviders());
        for (String p : allowedProviders) {
            if (!providers.isKnown(p)) {
                throw new BrokerException(ErrorCode.UNKNOWN_PROVIDER, "Unknown provider in 'allowed_providers'.",
                        "allowed_providers");
            }
        }
        Long rate = fields.rateLimitPerMinute();
        return keys.create(new ApiKeyService.Spec(fields.name(), permissions,
                expiresIn == null ? null : Duration.ofSeconds(expiresIn), origins, allowedProviders,
                rate == null ? null : rate.intValue(), budget(fields.budget())), authentication.getName())
                .thenApply(created -> HttpResponse.created(ApiKeyView.of(created.record(), created.key(), null)));
    }

    @Get(produces = MediaType.APPLICATION_JSON)
    CompletionStage<Map<String, Object>> list() {
        return keys.list().thenApply(all -> Map.of("object", "list", "data", all.stream().map(ApiKeyView::of)
                .toList()));
    }

    @Get(uri = "/{id}", produces = MediaType.APPLICATION_JSON)
    CompletionStage<ApiKeyView> get(@PathVariable String id) {
        return keys.get(checked(id)).thenApply(ApiKeyView::of);
    }

    @Post(uri = "/{id}/rotate", consumes = MediaType.APPLICATION_JSON, produces = MediaType.APPLICATION_JSON)
    CompletionStage<ApiKeyView> rotate(@PathVariable String id, @StrictBody KeyBodies.Rotate body,
            Authentication authentication) {
        Long grace = body.graceSeconds();
        return keys.rotate(checked(id), Duration.ofSeconds(grace == null ? DEFAULT_GRACE : grace),
                authentication.getName()).thenApply(rotated -> ApiKeyView.of(rotated.record(), rotated.key(), null));
    }

    @Delete(uri = "/{id}", produces = MediaType.APPLICATION_JSON)
    CompletionStage<ApiKeyView> revoke(@PathVariable String id, @QueryValue(defaultValue = "false") boolean cascade,
            Authentication authentication) {
        return keys.revoke(checked(id), authentication.getName()).thenCompose(revoked -> cascade
                ? tokens.revokeAllMintedBy(revoked.id(), authentication.getName())
                        .thenApply(count -> ApiKeyView.of(revoked, null, count))
                : CompletableFuture.completedFuture(ApiKeyView.of(revoked, null, null)));
    }

    /** The budget asked for; an amount of money out of bounds is an {@code invalid_request} naming it. */
    private static KeyBudget budget(@Nullable KeyBodies.Budget asked) {
        return asked == null ? KeyBudget.NONE : new KeyBudget(asked.tokensPerDay(),
                UsageLimits.micros(asked.usdPerDay(), "budget.usd_per_day"),
                UsageLimits.micros(asked.usdPerMonth(), "budget.usd_per_month"));
    }

    private static String checked(String id) {
        return ApiKeyService.validId(id).orElseThrow(() ->
                new BrokerException(ErrorCode.NOT_FOUND, "No API key with this id."));
    }

    private static List<String> orEmpty(@Nullable List<String> list) {
        return list == null ? List.of() : list;
    }
}

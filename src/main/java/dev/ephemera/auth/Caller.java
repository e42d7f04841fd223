package dev.ephemera.auth;

import io.micronaut.core.annotation.Nullable;
import io.micronaut.security.authentication.Authentication;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Who is calling, as the rest of the broker sees it: an id that is safe to log, and what the caller may do.
 *
 * @param id               {@code key_…} for API keys
 * @param allowedOrigins   origins the caller may bind tokens to; empty means any
 * @param allowedProviders providers the caller may mint for; empty means any
 * @param clientAddress    where the request came from (behind trusted proxies, the client's), for limits and audit
 * @param tokensPerDay     the usage budget of the caller's tokens per UTC day, or null for none
 */
public record Caller(String id, Set<Permission> permissions, List<String> allowedOrigins,
        List<String> allowedProviders, @Nullable String subject, boolean user, @Nullable Integer rateLimitPerMinute,
        @Nullable String clientAddress, @Nullable Long tokensPerDay) {

    /**
     * The request attribute where authentication leaves why it refused a credential, for the 401 answered when the
     * route needs a caller ({@code AuthorizationExceptionHandler}).
     */
    public static final String AUTHENTICATION_FAILURE = "ephemera.auth.failure";

    static final String ORIGINS = "ephemera.allowed_origins";
    static final String PROVIDERS = "ephemera.allowed_providers";
    static final String SUBJECT = "ephemera.subject";
    static final String RATE = "ephemera.rate_limit_per_minute";
    static final String BUDGET = "ephemera.tokens_per_day";

    /** A caller with an API key. */
    public static Caller apiKey(String id, Set<Permission> permissions, List<String> allowedOrigins,
            List<String> allowedProviders, @Nullable Integer rateLimitPerMinute, @Nullable Long tokensPerDay) {
        return new Caller(id, permissions, allowedOrigins, allowedProviders, null, false, rateLimitPerMinute, null,
                tokensPerDay);
    }

    public Caller {
        permissions = Set.copyOf(permissions);
        allowedOrigins = List.copyOf(allowedOrigins);
        allowedProviders = List.copyOf(allowedProviders);
    }

    public boolean has(Permission permission) {
        return permissions.contains(permission) || permissions.contains(Permission.ADMIN);
    }

    public boolean mayUseProvider(String provider) {
        return allowedProviders.isEmpty() || allowedProviders.contains(provider);
    }

    public boolean mayUseOrigin(String origin) {
        return allowedOrigins.isEmpty() || allowedOrigins.contains(origin);
    }

    /** This caller as Micronaut Security's authentication, with its permissions as roles. */
    public Authentication authentication() {
        List<String> roles = user ? List.of(JwtCallers.ROLE_USER)
                : Permission.effective(permissions).stream().map(Permission::wireName).toList();
        Map<String, Object> attributes = new java.util.HashMap<>();
        attributes.put(ORIGINS, allowedOrigins);
        attributes.put(PROVIDERS, allowedProviders);
        if (subject != null) {
            attributes.put(SUBJECT, subject);
        }
        if (rateLimitPerMinute != null) {
            attributes.put(RATE, rateLimitPerMinute);
        }
        if (tokensPerDay != null) {
            attributes.put(BUDGET, tokensPerDay);
        }
        return Authentication.build(id, roles, attributes);
    }

    /** The caller behind an authentication this broker issued. */
    public static Caller of(Authentication authentication) {
        Set<Permission> perms = new java.util.HashSet<>();
        for (String role : authentication.getRoles()) {
            Permission p = Permission.fromWire(role);
            if (p != null) {
                perms.add(p);
            }
        }
        Object subject = authentication.getAttributes().get(SUBJECT);
        return new Caller(authentication.getName(), perms, strings(authentication.getAttributes().get(ORIGINS)),
                strings(authentication.getAttributes().get(PROVIDERS)), subject == null ? null : subject.toString(),
                authentication.getRoles().contains(JwtCallers.ROLE_USER),
                authentication.getAttributes().get(RATE) instanceof Number n ? n.intValue() : null, null,
                authentication.getAttributes().get(BUDGET) instanceof Number b ? b.longValue() : null);
    }

    /** This caller, making a request from {@code address}. */
    public Caller at(String address) {
        return new Caller(id, permissions, allowedOrigins, allowedProviders, subject, user, rateLimitPerMinute,
                address, tokensPerDay);
    }

    private static List<String> strings(Object value) {
        return value instanceof Collection<?> c ? c.stream().map(String::valueOf).toList() : List.of();
    }
}

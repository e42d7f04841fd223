package dev.ephemera.auth;

import dev.ephemera.apikey.Permission;
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
 */
public record Caller(String id, Set<Permission> permissions, List<String> allowedOrigins,
        List<String> allowedProviders) {

    static final String ORIGINS = "ephemera.allowed_origins";
    static final String PROVIDERS = "ephemera.allowed_providers";

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

    Authentication toAuthentication() {
        List<String> roles = Permission.effective(permissions).stream().map(Permission::wireName).toList();
        return Authentication.build(id, roles, Map.of(ORIGINS, allowedOrigins, PROVIDERS, allowedProviders));
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
        return new Caller(authentication.getName(), perms, strings(authentication.getAttributes().get(ORIGINS)),
                strings(authentication.getAttributes().get(PROVIDERS)));
    }

    private static List<String> strings(Object value) {
        return value instanceof Collection<?> c ? c.stream().map(String::valueOf).toList() : List.of();
    }
}

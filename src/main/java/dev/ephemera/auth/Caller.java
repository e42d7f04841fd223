package dev.ephemera.auth;

import io.micronaut.core.annotation.Nullable;
import io.micronaut.security.authentication.Authentication;
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
 * @param budget           what the caller's tokens may use (an API key's {@code budget}); null is
 *                         {@link KeyBudget#NONE}
 */
public record Caller(String id, Set<Permission> permissions, List<String> allowedOrigins,
        List<String> allowedProviders, @Nullable String subject, boolean user, @Nullable Integer rateLimitPerMinute,
        @Nullable String clientAddress, KeyBudget budget) {

    /**
     * The request attribute where authentication leaves why it refused a credential, for the 401 answered when the
     * route needs a caller ({@code AuthorizationExceptionHandler}).
     */
    public static final String AUTHENTICATION_FAILURE = "ephemera.auth.failure";

    /** The authentication's one attribute of ours: the caller itself, carried whole (never serialised). */
    static final String CALLER = "ephemera.caller";

    /** A caller with an API key. */
    public static Caller apiKey(String id, Set<Permission> permissions, List<String> allowedOrigins,
            List<String> allowedProviders, @Nullable Integer rateLimitPerMinute, @Nullable KeyBudget budget) {
        return new Caller(id, permissions, allowedOrigins, allowedProviders, null, false, rateLimitPerMinute, null,
                budget);
    }

    public Caller {
        budget = budget == null ? KeyBudget.NONE : budget;
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

    /**
     * This caller as Micronaut Security's authentication: its permissions as roles (for {@code @Secured}), and the
     * caller itself as one attribute, which {@link #of} gives back as it is.
     */
    public Authentication authentication() {
        List<String> roles = user ? List.of(JwtCallers.ROLE_USER)
                : Permission.effective(permissions).stream().map(Permission::wireName).toList();
        return Authentication.build(id, roles, Map.of(CALLER, this));
    }

    /**
     * The caller behind an authentication this broker issued ({@link #authentication()}); an authentication from
     * anywhere else stands for no caller of ours and is an {@link IllegalStateException}, never a guess.
     */
    public static Caller of(Authentication authentication) {
        if (authentication.getAttributes().get(CALLER) instanceof Caller caller) {
            return caller;
        }
        throw new IllegalStateException("an authentication this broker did not issue");
    }

    /** This caller, making a request from {@code address}. */
    public Caller at(String address) {
        return new Caller(id, permissions, allowedOrigins, allowedProviders, subject, user, rateLimitPerMinute,
                address, budget);
    }
}
